import Crypto
import Foundation
import IntegratorModel
import IntegratorStore

/// Turns a message into what the store writes: one delivery per matching mapping, with the
/// identifier values that guard against duplicates and make the message searchable.
struct MessageRouter: Sendable {
    let catalog: MappingCatalog

    /// Routes a message of `storeID`. `dedup` false skips the duplicate guard (an operator's
    /// deliberate resend); `excluding` names a mapping that must not take it (an alert about it).
    func route(
        id: String = MessageID.make(),
        storeID: String,
        name: String,
        payload: JSONValue,
        origin: MessageOrigin,
        parentMessageID: String? = nil,
        parentDeliveryID: String? = nil,
        depth: Int = 0,
        now: Date,
        dedup: Bool = true,
        excluding: String? = nil
    ) -> NewMessage {
        var deliveries: [NewDelivery] = []
        var identifiers: [IdentifierValue] = []
        // The same message twice: the same name and payload, byte for byte in canonical form.
        lazy var digest: String? = Tokens.hex(SHA256.hash(data: payload.encoded()).prefix(16))
        var mappings = catalog.mappings(storeID: storeID)
        if let excluding { mappings.removeAll { $0.mapping.name == excluding } }
        for compiled in mappings where compiled.matches(message: name, id: id, payload: payload) {
            let values = compiled.identifierValues(message: name, id: id, payload: payload)
            for value in values where !identifiers.contains(where: { $0.name == value.name && $0.value == value.value }) {
                identifiers.append(IdentifierValue(name: value.name, value: value.value))
            }
            let ordering = values.isEmpty ? nil : values.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            let key = ordering.flatMap { dedup ? "\(name)|\($0)|\(digest ?? "")" : nil }
            deliveries.append(
                NewDelivery(
                    id: MessageID.make(at: now),
                    mapping: compiled.mapping.name,
                    dedupKey: key,
                    orderingKey: ordering,
                    nextAttemptAt: now,
                    paused: compiled.mapping.paused
                )
            )
        }
        let note = deliveries.isEmpty ? Self.whyNothingMatched(name: name, id: id, payload: payload, mappings: mappings) : nil
        var message = NewMessage(
            id: id,
            storeID: storeID,
            name: name,
            payload: payload,
            origin: origin,
            parentMessageID: parentMessageID,
            parentDeliveryID: parentDeliveryID,
            depth: depth,
            createdAt: now,
            identifiers: identifiers,
            deliveries: deliveries,
            note: note
        )
        message.objectCopy = objectCopy(storeID: storeID, name: name, id: id, payload: payload, depth: depth, now: now)
        return message
    }

    /// A `<type>:persist` message carries an object under `payload.<type>`: change detection
    /// compares it with the last copy and emits `<type>:new`, `<type>:updated` and friends as
    /// children. Objects pushed in Wombat's v6 form (`payload.v6: true`) are known by `id`.
    func objectCopy(storeID: String, name: String, id: String, payload: JSONValue, depth: Int, now: Date) -> ObjectCopy? {
        guard name.hasSuffix(":persist") else { return nil }
        let type = String(name.dropLast(":persist".count))
        let v6 = payload["v6"] == .bool(true)
        guard let object = payload[type], object.objectValue != nil,
            let identity = ChangeDetector.identity(type: type, object: object, v6: v6)
        else { return nil }
        let router = self
        return ObjectCopy(type: type, identity: identity, object: object) { previous in
            ChangeDetector.changes(type: type, previous: previous, current: object).map { change in
                router.route(
                    storeID: storeID,
                    name: change.name,
                    payload: change.payload,
                    origin: .change,
                    parentMessageID: id,
                    depth: depth + 1,
                    now: now
                )
            }
        }
    }

    /// The reason shown on a skipped message.
    static func whyNothingMatched(name: String, id: String, payload: JSONValue, mappings: [CompiledMapping]) -> String {
        let named = mappings.filter { $0.mapping.messages.contains(name) }
        if named.isEmpty { return "no mapping of the store takes '\(name)'" }
        let parts = named.map { compiled -> String in
            if !compiled.mapping.enabled { return "'\(compiled.mapping.name)' is disabled" }
            return "'\(compiled.mapping.name)' filtered it out (\(compiled.explain(message: name, id: id, payload: payload).why))"
        }
        return "no mapping took it: " + parts.joined(separator: ", ")
    }
}
