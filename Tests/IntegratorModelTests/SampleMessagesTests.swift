import IntegratorModel
import Testing

@Suite struct SampleMessagesTests {
    @Test(arguments: SampleMessages.kinds)
    func everySamplePassesItsOwnValidation(kind: String) throws {
        let payload = try #require(SampleMessages.payload(kind))
        #expect(PayloadValidator.problems(message: kind, payload: payload).isEmpty)
    }

    @Test func thereIsOneSamplePerKindAndNoneForOthers() {
        #expect(SampleMessages.kinds.count == 10)
        #expect(SampleMessages.payload("order:exploded") == nil)
    }
}
