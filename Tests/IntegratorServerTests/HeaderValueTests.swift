import HTTPTypes
import Testing

@testable import IntegratorServer

/// A header read the cheap way gives what `HTTPFields`' own subscript gives.
@Suite struct HeaderValueTests {
    static let store = HTTPField.Name("X-Hub-Store")!

    @Test(arguments: [
        [],
        [("X-Hub-Store", "shop")],
        [("x-hub-store", "shop")],  // names match whatever their case
        [("Content-Type", "application/json"), ("X-HUB-STORE", "shop"), ("Accept", "*/*")],
        [("X-Hub-Store", "a"), ("Accept", "*/*"), ("X-Hub-Store", "b")],  // several: joined, as sent
        [("X-Hub-Store", "")],
        [("X-Hub-Stores", "near miss")],
    ])
    func aValueReadsAsTheSubscriptDoes(fields: [(String, String)]) {
        var headers = HTTPFields()
        for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        #expect(headers.value(Self.store) == headers[Self.store])
    }
}
