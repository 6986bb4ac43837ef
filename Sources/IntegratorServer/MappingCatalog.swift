import IntegratorModel
import IntegratorStore
import Synchronization

/// The compiled mappings of every store, held in memory so routing never reads the database.
/// Replaced whole for a store whenever one of its mappings is saved or deleted.
final class MappingCatalog: Sendable {
    private let byStore = Mutex<[String: [String: CompiledMapping]]>([:])

    func load(_ all: [(storeID: String, mapping: Mapping)]) {
        var fresh: [String: [String: CompiledMapping]] = [:]
        for (storeID, mapping) in all { fresh[storeID, default: [:]][mapping.name] = CompiledMapping(mapping) }
        byStore.withLock { $0 = fresh }
    }

    func mappings(storeID: String) -> [CompiledMapping] {
        byStore.withLock { ($0[storeID] ?? [:]).values.sorted { $0.mapping.name < $1.mapping.name } }
    }

    func mapping(storeID: String, name: String) -> CompiledMapping? {
        byStore.withLock { $0[storeID]?[name] }
    }

    func put(storeID: String, _ mapping: Mapping) {
        let compiled = CompiledMapping(mapping)
        byStore.withLock { $0[storeID, default: [:]][mapping.name] = compiled }
    }

    func remove(storeID: String, name: String) {
        byStore.withLock { _ = $0[storeID]?.removeValue(forKey: name) }
    }
}
