import Testing

@testable import IntegratorServer

/// After a claim the delivery loop claims again at once only when a mapping it filled to its cap
/// may hide others' deliveries, and lets freed capacity wake it only when capacity is what
/// holds deliveries back.
@Suite struct AfterClaimTests {
    @Test(
        arguments: [
            // free, claimed, a mapping at its cap → claim again, capacity wakes
            (16, nil, false, false, true),  // no claim made (or it failed): wait, and let an answer wake it
            (16, nil, true, false, true),
            (0, nil, false, false, true),  // every slot taken
            (16, 16, false, false, true),  // filled every slot: wait for one
            (16, 16, true, false, true),
            (16, 0, false, false, false),  // nothing due: only new work or time can change that
            (16, 0, true, false, true),  // only full mappings' deliveries left: one's place must come free
            (16, 3, false, false, false),  // took all it could see: freed slots change nothing
            (16, 3, true, true, true),  // a mapping reached its cap: others' may lie past what it read
            (1, 1, false, false, true),
        ] as [(Int, Int?, Bool, Bool, Bool)]
    )
    func decidesFromWhatTheClaimTook(free: Int, claimed: Int?, atCap: Bool, claimAgain: Bool, capacityWakes: Bool) {
        let next = AfterClaim.decide(free: free, claimed: claimed, mappingAtCap: atCap)
        #expect(next == AfterClaim(claimAgain: claimAgain, capacityWakes: capacityWakes))
    }
}
