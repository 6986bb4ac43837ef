import Foundation
import IntegratorModel
import IntegratorStore

/// Integrations registered before manifest parameters were given their integration's prefix:
/// their bare parameters are renamed to `<integration>.<name>` and their mappings send
/// `<integration>.*`. Runs at every start and changes nothing once done.
enum IntegrationMigration {
    /// What was changed, one line each.
    static func run(_ hub: Hub) async throws -> [String] {
        var changes: [String] = []
        let now = hub.clock.now()
        for store in try await hub.database.stores() {
            let integrations = try await hub.database.integrations(storeID: store.id)
            guard !integrations.isEmpty else { continue }
            // Every bare name each integration's manifest lists.
            var renames: [(integration: String, bare: Set<String>)] = []
            for record in integrations {
                guard let name = record["id"]?.stringValue, !name.isEmpty else { continue }
                let listed = (record["services"]?.arrayValue ?? []).flatMap { service in
                    (service["requires"]?["parameters"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                }
                let bare = Set(listed.filter { !$0.contains(".") && !$0.isEmpty })
                if !bare.isEmpty { renames.append((name, bare)) }
            }
            guard !renames.isEmpty else { continue }

            // Mappings of those integrations send `<integration>.*`, not the bare names.
            for (integration, bare) in renames {
                for compiled in hub.catalog.mappings(storeID: store.id) where compiled.mapping.integration == integration {
                    var mapping = compiled.mapping
                    let kept = mapping.parameters.filter { !bare.contains($0) }
                    let wanted = kept.contains(integration + ".*") ? kept : [integration + ".*"] + kept
                    guard wanted != mapping.parameters else { continue }
                    mapping.parameters = wanted
                    try await hub.database.saveMapping(storeID: store.id, mapping, at: now)
                    hub.catalog.put(storeID: store.id, mapping)
                    changes.append("store \(store.id): mapping \(mapping.name) sends \(integration).*")
                }
            }

            // Each bare parameter is copied under every integration's prefix that lists it, then
            // removed unless a mapping still names it exactly.
            let parameters = try await hub.database.parameters(storeID: store.id)
            var copied: Set<String> = []
            for (integration, bare) in renames {
                for name in bare.sorted() {
                    guard let parameter = parameters.first(where: { $0.name == name }) else { continue }
                    let prefixed = "\(integration).\(name)"
                    copied.insert(name)
                    guard !parameters.contains(where: { $0.name == prefixed }) else { continue }
                    try await hub.database.setParameter(storeID: store.id, Parameter(name: prefixed, value: parameter.value), at: now)
                    changes.append("store \(store.id): parameter \(name) renamed \(prefixed)")
                }
            }
            let stillNamed = Set(hub.catalog.mappings(storeID: store.id).flatMap(\.mapping.parameters))
            for name in copied.sorted() where !stillNamed.contains(name) {
                _ = try await hub.database.deleteParameter(storeID: store.id, name: name)
            }
            if !copied.isEmpty { hub.storeChanged(store.id) }
        }
        return changes
    }
}
