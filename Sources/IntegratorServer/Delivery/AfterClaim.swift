/// What the delivery loop does after a claim: claim again at once or wait, and whether a slot or
/// a mapping's place coming free should wake it meanwhile. A pure decision, table-tested.
///
/// A claim that took fewer than it had room for, with no mapping at its cap, took every delivery
/// it could: it reads every due delivery but those of full mappings (up to twice its room), so a
/// claim made now would find nothing more. Only new work (a push, a reply's messages, an
/// operator's retry or a mapping resumed, each of which rings the doorbell) or time (a retry's
/// backoff, a lease, a breaker's cool-down, at the next poll) can change that, not capacity. So
/// the answers and records that free capacity do not wake the loop then: at 1,000 pushes a
/// second they woke it about twice a push, each time for a claim that found nothing, through the
/// commit thread and back (`integrator-bench` row 4, issue 17's twelfth session).
struct AfterClaim: Equatable {
    /// Claim again without waiting: the claim filled a mapping to its cap, and the deliveries
    /// of others may lie past the candidates it read.
    var claimAgain: Bool
    /// Whether a freed slot or mapping place can make more claimable, so should wake the loop.
    var capacityWakes: Bool

    /// - Parameters:
    ///   - free: the slots the claim could fill.
    ///   - claimed: how many it took, or nil when no claim was made (every slot taken, too many
    ///     records pending) or it failed.
    ///   - mappingAtCap: whether, with what it took, some mapping is at its `max_in_flight` or
    ///     its rate limit, and so was or will be left out of the claim.
    static func decide(free: Int, claimed: Int?, mappingAtCap: Bool) -> AfterClaim {
        guard let claimed, claimed < free else { return AfterClaim(claimAgain: false, capacityWakes: true) }
        if claimed == 0 { return AfterClaim(claimAgain: false, capacityWakes: mappingAtCap) }
        return AfterClaim(claimAgain: mappingAtCap, capacityWakes: mappingAtCap)
    }
}
