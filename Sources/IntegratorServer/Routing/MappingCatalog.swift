import IntegratorModel
import IntegratorStore
import Synchronization

/// The compiled mappings of every store, held in memory so routing never reads the database.
/// Each store's list is kept sorted by name, so routing (on every push) does not sort it again.
final class MappingCatalog: Sendable {
    private let byStore = Mutex<[String: [CompiledMapping]]>([:])

    func load(_ all: [(storeID: String, mapping: Mapping)]) {
        var fresh: [String: [CompiledMapping]] = [:]
        for (storeID, mapping) in all { fresh[storeID, default: []].append(CompiledMapping(mapping)) }
        for storeID in fresh.keys { fresh[storeID]!.sort { $0.mapping.name < $1.mapping.name } }
        byStore.withLock { $0 = fresh }
    }

    func mappings(storeID: String) -> [CompiledMapping] {
        byStore.withLock { $0[storeID] ?? [] }
    }

    func mapping(storeID: String, name: String) -> CompiledMapping? {
        byStore.withLock { $0[storeID]?.first { $0.mapping.name == name } }
    }

    func put(storeID: String, _ mapping: Mapping) {
        let compiled = CompiledMapping(mapping)
        byStore.withLock { stores in
            var list = stores[storeID] ?? []
            list.removeAll { $0.mapping.name == mapping.name }
            let index = list.firstIndex { $0.mapping.name > mapping.name } ?? list.endIndex
            list.insert(compiled, at: index)
            stores[storeID] = list
        }
    }

    func remove(storeID: String, name: String) {
        byStore.withLock { $0[storeID]?.removeAll { $0.mapping.name == name } }
    }
}
