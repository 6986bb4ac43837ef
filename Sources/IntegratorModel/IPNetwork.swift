#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IP address as 16 bytes. IPv4 is kept in its IPv4-mapped form (`::ffff:a.b.c.d`), and the
/// other IPv6 spellings of an IPv4 address (IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`)
/// are read as that IPv4 address, so one comparison covers every way of writing it.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    init(bytes: [UInt8]) {
        self.bytes = Self.normalised(bytes)
    }

    /// An IPv4 address from its four bytes.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.bytes = Array(repeating: 0, count: 10) + [0xFF, 0xFF, a, b, c, d]
    }

    /// A literal in its standard form: `a.b.c.d`, or IPv6 with or without brackets. No zone.
    public init?(_ text: String) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
        if let four = Self.parse(family: AF_INET, String(text), count: 4) {
            self.init(ipv4: four[0], four[1], four[2], four[3])
        } else if let sixteen = Self.parse(family: AF_INET6, String(text), count: 16) {
            self.init(bytes: sixteen)
        } else {
            return nil
        }
    }

    /// A host as a URL parser or `getaddrinfo` would read it: the standard forms, and the old
    /// IPv4 forms `inet_aton` takes (`127.1`, `0x7f000001`, `2130706433`, `0177.0.0.1`), which
    /// connect to the same address. Nil for a host name.
    public static func reading(host: String) -> IPAddress? {
        if let address = IPAddress(host) { return address }
        guard !host.isEmpty, host.utf8.count <= 64, host.utf8.allSatisfy({ $0 < 0x80 && $0 > 0x20 }) else { return nil }
        // inet_aton reads only digits, dots and x; a name with other letters is a name.
        guard host.lowercased().allSatisfy({ $0.isHexDigit || $0 == "." || $0 == "x" }) else { return nil }
        var value = in_addr()
        guard inet_aton(host, &value) != 0 else { return nil }
        let raw = UInt32(bigEndian: value.s_addr)
        return IPAddress(ipv4: UInt8(raw >> 24), UInt8((raw >> 16) & 0xFF), UInt8((raw >> 8) & 0xFF), UInt8(raw & 0xFF))
    }

    public var isIPv4: Bool { bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF }

    public var description: String {
        if isIPv4 { return bytes[12...].map(String.init).joined(separator: ".") }
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { buffer in
            for index in 0..<16 { buffer[index] = bytes[index] }
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func parse(family: Int32, _ text: String, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        guard inet_pton(family, text, &buffer) == 1 else { return nil }
        return Array(buffer.prefix(count))
    }

    /// IPv4-compatible and NAT64 forms become the IPv4-mapped form; `::` and `::1` stay.
    private static func normalised(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count == 16 else { return Array(repeating: 0, count: 16) }
        let tail = Array(bytes[12...])
        let compatible = bytes[0..<12].allSatisfy { $0 == 0 } && tail[0] != 0
        let nat64 = bytes[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0]
        if compatible || nat64 { return Array(repeating: 0, count: 10) + [0xFF, 0xFF] + tail }
        return bytes
    }
}

/// An IP network in CIDR form (`10.0.0.0/8`, `fc00::/7`), or one address.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    /// The prefix length over the 16-byte form (an IPv4 /8 is /104 here).
    public let prefix: Int

    /// Reads `address/prefix` or a bare address; nil when either part is not valid.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard parts[1].count <= 3, parts[1].allSatisfy(\.isASCII), let value = Int(parts[1]), (0...maximum).contains(value) else { return nil }
            length = value
        }
        self.address = address
        self.prefix = length + (address.isIPv4 ? 96 : 0)
    }

    public func contains(_ other: IPAddress) -> Bool {
        var left = prefix
        for index in 0..<16 {
            guard left > 0 else { return true }
            let mask: UInt8 = left >= 8 ? 0xFF : ~(0xFF >> UInt8(left))
            if address.bytes[index] & mask != other.bytes[index] & mask { return false }
            left -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(address.isIPv4 ? prefix - 96 : prefix)" }
}

extension IPAddress {
    /// The address in a `sockaddr` from the resolver.
    public init?(socketAddress: UnsafeMutablePointer<sockaddr>?) {
        guard let socketAddress else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        switch Int32(socketAddress.pointee.sa_family) {
        case AF_INET:
            var raw = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            guard inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil else { return nil }
        case AF_INET6:
            var raw = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
            guard inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)) != nil else { return nil }
        default:
            return nil
        }
        self.init(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}
