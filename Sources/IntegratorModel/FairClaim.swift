/// One mapping of one store: the unit that `options.max_in_flight` caps.
public struct MappingKey: Sendable, Hashable, CustomStringConvertible {
    public var storeID: String
    public var mapping: String

    public init(storeID: String, mapping: String) {
        self.storeID = storeID
        self.mapping = mapping
    }

    public var description: String { "\(storeID)/\(mapping)" }
}

/// Which due deliveries a worker takes, so that no store and no mapping takes more than its
/// share of the delivery slots.
///
/// The store fetches due deliveries oldest first, leaving out mappings already at their cap;
/// `select` then takes them round-robin: one per store in turn, and within a store one per
/// mapping in turn, never more than a mapping's remaining room. A store with a thousand due
/// deliveries and a store with one each get a slot in the same claim.
public enum FairClaim {
    /// The indices of `candidates` (oldest first) to claim, in claim order.
    public static func select(_ candidates: [MappingKey], limit: Int, room: (MappingKey) -> Int) -> [Int] {
        guard limit > 0, !candidates.isEmpty else { return [] }
        // Per store, per mapping: the queue of candidate indices, in the order first seen.
        var storeOrder: [String] = []
        var mappingOrder: [String: [String]] = [:]
        var queues: [MappingKey: [Int]] = [:]
        for (index, key) in candidates.enumerated() {
            if queues[key] == nil {
                if mappingOrder[key.storeID] == nil { storeOrder.append(key.storeID) }
                mappingOrder[key.storeID, default: []].append(key.mapping)
            }
            queues[key, default: []].append(index)
        }
        var left: [MappingKey: Int] = [:]
        for key in queues.keys { left[key] = max(0, room(key)) }
        var nextMapping: [String: Int] = [:]
        var taken: [Int] = []
        var progressed = true
        while taken.count < limit, progressed {
            progressed = false
            for store in storeOrder where taken.count < limit {
                let mappings = mappingOrder[store]!
                // The next mapping of this store, in turn, that still has work and room.
                for step in 0..<mappings.count {
                    let position = (nextMapping[store, default: 0] + step) % mappings.count
                    let key = MappingKey(storeID: store, mapping: mappings[position])
                    guard left[key, default: 0] > 0, let first = queues[key]?.first else { continue }
                    queues[key]!.removeFirst()
                    left[key]! -= 1
                    taken.append(first)
                    nextMapping[store] = position + 1
                    progressed = true
                    break
                }
            }
        }
        return taken
    }
}
