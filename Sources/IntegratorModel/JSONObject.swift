/// A JSON object's members, kept sorted by key with no key twice: what `JSONValue.object` holds.
///
/// Why not a `Dictionary`: every pushed document is parsed into these, and building a dictionary
/// per object (allocating its table, hashing every key) then freeing it was nearly half of what
/// parsing cost: the benchmark's 1.4 KB order took 9.5 µs to parse and free with dictionaries
/// and 5.3 µs with sorted members. Sorted members also are what the writer wants (keys in order,
/// so equal values always encode to equal bytes) without sorting at every write, and a lookup
/// is a binary search. Inserting a key moves the members after it, so code that builds a large
/// object from keys in any order gathers them in a dictionary first (`JSONObject(_:)`). It reads
/// like a dictionary (`object["key"]`, `keys`, `values`, `mapValues`, iteration as
/// `(key, value)` pairs), so code written for one reads the same.
///
/// Keys compare as Swift strings (canonical equivalence), as a dictionary's keys did: two
/// spellings of one key are one key, and a repeated key keeps its last value. Iteration, `keys`
/// and `values` go in key order, so code that wants members in a stable order reads them as
/// they are, without sorting.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    /// Sorted by key, strictly: no two keys equal.
    public private(set) var members: [Element]

    public init() { members = [] }

    /// The members of `dictionary`, in key order.
    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// The members of `pairs`, a repeated key keeping its last value (as a JSON document's does).
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        members = Self.canonical(pairs.map { (key: $0.0, value: $0.1) }).members
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// Members already in order with no key twice: the parser's, which has checked.
    init(checkedMembers: [Element]) { members = checkedMembers }

    /// `pairs` sorted by key, each repeated key keeping its last value, and whether any was
    /// repeated. Pairs already in order (what the hub's own writer sends) are taken as they are.
    static func canonical(_ pairs: [Element]) -> (members: [Element], repeated: Bool) {
        var ordered = true
        var index = 1
        while index < pairs.count {
            if !(pairs[index - 1].key < pairs[index].key) {
                ordered = false
                break
            }
            index += 1
        }
        if ordered { return (pairs, false) }
        // Sort positions, not members (moving a member retains and releases its key and value):
        // 8.5 µs against 9.6 µs for the benchmark's order sent in reverse. Equal keys stay in
        // document order, so the last of each run is the value kept.
        var order = Array(pairs.indices)
        order.sort { left, right in
            let a = pairs[left].key
            let b = pairs[right].key
            if a < b { return true }
            return left < right && !(b < a)
        }
        var members: [Element] = []
        members.reserveCapacity(pairs.count)
        var repeated = false
        for (position, index) in order.enumerated() {
            if position + 1 < order.count, pairs[order[position + 1]].key == pairs[index].key {
                repeated = true
                continue
            }
            members.append(pairs[index])
        }
        return (members, repeated)
    }

    // MARK: Collection of (key, value) pairs, in key order

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Element { members[position] }

    // MARK: Reading and writing like a dictionary

    /// Where `key` is, or where it would go.
    private func position(of key: String) -> (found: Bool, index: Int) {
        var low = 0
        var high = members.count
        while low < high {
            let middle = low + (high - low) / 2
            let candidate = members[middle].key
            if candidate == key { return (true, middle) }
            if candidate < key { low = middle + 1 } else { high = middle }
        }
        return (false, low)
    }

    public subscript(key: String) -> JSONValue? {
        get {
            // Not `found ? value : nil`: JSONValue takes `nil` as a literal of `.null`.
            let (found, index) = position(of: key)
            guard found else { return Optional.none }
            return members[index].value
        }
        set {
            let (found, index) = position(of: key)
            switch (found, newValue) {
            case (true, let value?): members[index].value = value
            case (true, nil): members.remove(at: index)
            case (false, let value?): members.insert((key: key, value: value), at: index)
            case (false, nil): break
            }
        }
    }

    public subscript(key: String, default fallback: @autoclosure () -> JSONValue) -> JSONValue {
        get { self[key] ?? fallback() }
        set { self[key] = newValue }
    }

    /// The keys, in order.
    public var keys: [String] { members.map(\.key) }

    /// The values, in their keys' order.
    public var values: [JSONValue] { members.map(\.value) }

    /// A dictionary of the same members, for code that needs one.
    public var dictionary: [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: members.map { ($0.key, $0.value) })
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        let old = self[key]
        self[key] = nil
        return old
    }

    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        let old = self[key]
        self[key] = value
        return old
    }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        JSONObject(checkedMembers: try members.map { (key: $0.key, value: try transform($0.value)) })
    }

    public func compactMapValues(_ transform: (JSONValue) throws -> JSONValue?) rethrows -> JSONObject {
        JSONObject(checkedMembers: try members.compactMap { member in try transform(member.value).map { (key: member.key, value: $0) } })
    }

    /// The members `isIncluded` keeps, as an object (as a dictionary's `filter` gives one).
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        JSONObject(checkedMembers: try members.filter(isIncluded))
    }

    public mutating func merge(_ other: JSONObject, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows {
        for (key, value) in other.members {
            if let mine = self[key] { self[key] = try combine(mine, value) } else { self[key] = value }
        }
    }

    public func merging(_ other: JSONObject, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var merged = self
        try merged.merge(other, uniquingKeysWith: combine)
        return merged
    }

    // MARK: Equality: members in order, so equal objects have equal members

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (left, right) in zip(lhs.members, rhs.members) where left.key != right.key || left.value != right.value {
            return false
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(members.count)
        for member in members {
            hasher.combine(member.key)
            hasher.combine(member.value)
        }
    }
}
