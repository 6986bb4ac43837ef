import IntegratorModel
import Testing

/// What the hub says about a pushed message name: the same verdicts whatever the characters.
@Suite struct MessageNameTests {
    @Test(
        arguments: [
            ("order:new", nil),
            ("x.y_z-1:A", nil),
            (String(repeating: "a", count: 200), nil),
            ("", "must not be empty"),
            (String(repeating: "a", count: 201), "must be at most 200 characters"),
            // Past the length in characters, not bytes, as before: 201 two-byte letters.
            (String(repeating: "é", count: 201), "must be at most 200 characters"),
            (String(repeating: "é", count: 150), "may hold only letters, digits and the characters : . _ -"),
            ("ordér:new", "may hold only letters, digits and the characters : . _ -"),
            ("order new", "may hold only letters, digits and the characters : . _ -"),
            ("order:new\u{0}", "may hold only letters, digits and the characters : . _ -"),
            ("order/new", "may hold only letters, digits and the characters : . _ -"),
        ] as [(String, String?)]
    )
    func namesAreCheckedByTheirCharacters(name: String, problem: String?) {
        #expect(MessageName.problem(with: name) == problem)
    }
}
