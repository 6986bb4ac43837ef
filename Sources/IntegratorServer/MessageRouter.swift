import Crypto
import Foundation
import IntegratorModel
import IntegratorStore

/// Turns a message into what the store writes: one delivery per matching mapping, with the
/// identifier values that guard against duplicates and make the message searchable.
struct MessageRouter: Sendable {
    let catalog: MappingCatalog

    /// Routes a message of `storeID`. `dedup` false skips the duplicate guard (an operator's
    /// deliberate resend).
    func route(
        id: String = MessageID.make(), storeID: String, name: String, payload: JSONValue, origin: String, parentMessageID: String? = nil,
        parentDeliveryID: String? = nil, depth: Int = 0, now: Date, dedup: Bool = true
    ) -> NewMessage {
        var deliveries: [NewDelivery] = []
        var identifiers: [IdentifierValue] = []
        // The same message twice: the same name and payload, byte for byte in canonical form.
        lazy var digest: String? = SHA256.hash(data: payload.encoded()).prefix(16).map { String(format: "%02x", $0) }.joined()
        for compiled in catalog.mappings(storeID: storeID) {
            let values = compiled.identifierValues(message: name, id: id, payload: payload)
            guard compiled.matches(message: name, id: id, payload: payload) else { continue }
            for value in values where !identifiers.contains(where: { $0.name == value.name && $0.value == value.value }) {
                identifiers.append(IdentifierValue(name: value.name, value: value.value))
            }
            let ordering = values.isEmpty ? nil : values.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            let key = ordering.flatMap { dedup ? "\(name)|\($0)|\(digest ?? "")" : nil }
            deliveries.append(NewDelivery(id: MessageID.make(at: now), mapping: compiled.mapping.name, dedupKey: key, orderingKey: ordering, nextAttemptAt: now))
        }
        let note = deliveries.isEmpty ? Self.whyNothingMatched(name: name, id: id, payload: payload, mappings: catalog.mappings(storeID: storeID)) : nil
        return NewMessage(
            id: id, storeID: storeID, name: name, payload: payload, origin: origin, parentMessageID: parentMessageID,
            parentDeliveryID: parentDeliveryID, depth: depth, createdAt: now, identifiers: identifiers, deliveries: deliveries, note: note)
    }

    /// The reason shown on a skipped message.
    static func whyNothingMatched(name: String, id: String, payload: JSONValue, mappings: [CompiledMapping]) -> String {
        let named = mappings.filter { $0.mapping.messages.contains(name) }
        if named.isEmpty { return "no mapping of the store takes '\(name)'" }
        let parts = named.map { compiled -> String in
            if !compiled.mapping.enabled { return "'\(compiled.mapping.name)' is disabled" }
            if let failed = compiled.filters.first(where: { !$0.passes(message: name, id: id, payload: payload) })?.filter {
                return "'\(compiled.mapping.name)' filtered it out (\(failed.path) \(failed.op.rawValue) \(failed.value.comparableText))"
            }
            return "'\(compiled.mapping.name)' filtered it out"
        }
        return "no mapping took it: " + parts.joined(separator: ", ")
    }
}
