import Foundation
import IntegratorModel
import Testing

/// Addresses however they are written, networks, the target policy, secret names and forwarded
/// clients: pure decisions, one table each.
@Suite struct DeliveryTargetsTests {
    @Test(arguments: [
        ("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("[::1]", "::1"), ("::ffff:127.0.0.1", "127.0.0.1"), ("::ffff:7f00:1", "127.0.0.1"),
        ("::127.0.0.1", "127.0.0.1"), ("64:ff9b::a9fe:a9fe", "169.254.169.254"), ("fe80::1", "fe80::1"), ("2001:db8::5", "2001:db8::5"),
    ])
    func addressesAreReadInEverySpelling(text: String, expected: String) throws {
        #expect(try #require(IPAddress(text)).description == expected)
    }

    @Test(arguments: [
        ("2130706433", "127.0.0.1"), ("0x7f.1", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("10.1", "10.0.0.1"),
    ])
    func oldIPv4FormsReadAsTheAddressTheyConnectTo(text: String, expected: String) throws {
        #expect(try #require(IPAddress.reading(host: text)).description == expected)
    }

    @Test(arguments: ["example.com", "deadbeef", "1e3", "", "localhost", "a.b.c.d", "999.1.1.1.1"])
    func namesAreNotAddresses(text: String) {
        #expect(IPAddress.reading(host: text) == nil)
    }

    @Test(arguments: [
        ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false), ("169.254.0.0/16", "169.254.169.254", true),
        ("fc00::/7", "fd12::1", true), ("fc00::/7", "fe00::1", false), ("127.0.0.0/8", "::ffff:127.9.9.9", true), ("0.0.0.0/0", "8.8.8.8", true),
        ("192.168.1.7", "192.168.1.7", true), ("192.168.1.7", "192.168.1.8", false), ("::/0", "2001:db8::1", true),
    ])
    func networksContainTheirAddresses(network: String, address: String, contains: Bool) throws {
        let net = try #require(IPNetwork(network))
        #expect(net.contains(try #require(IPAddress(address))) == contains)
    }

    @Test(arguments: ["10.0.0.0/33", "10.0.0.0/-1", "::/129", "10.0.0/8", "nonsense/8", "10.0.0.0/8/8", "10.0.0.0/ 8"])
    func badNetworksAreRefused(text: String) {
        #expect(IPNetwork(text) == nil)
    }

    @Test(arguments: [
        "127.0.0.1", "localhost", "LOCALHOST", "api.localhost", "169.254.169.254", "[::1]", "::1", "10.1.2.3", "172.16.0.1", "192.168.0.10",
        "100.64.0.1", "0.0.0.0", "[::]", "[::ffff:127.0.0.1]", "[::ffff:a9fe:a9fe]", "2130706433", "0x7f.1", "[fd00::1]", "[fe80::1]", "127.0.0.1.",
    ])
    func publicRefusesEveryNonPublicSpellingAtSave(host: String) throws {
        let refusal = try #require(DeliveryTargets.publicOnly.refusal(host: host))
        #expect(refusal.contains("delivery-targets"))
    }

    @Test(arguments: ["hooks.example.com", "93.184.216.34", "[2606:4700::1]"])
    func publicLetsPublicHostsBeSaved(host: String) {
        #expect(DeliveryTargets.publicOnly.refusal(host: host) == nil)
    }

    @Test func publicChecksEveryResolvedAddressAtDelivery() throws {
        let policy = DeliveryTargets.publicOnly
        #expect(policy.mustResolve(host: "hooks.example.com"))
        #expect(policy.refusal(host: "hooks.example.com", address: try #require(IPAddress("127.0.0.1")))?.contains("delivery-targets") == true)
        #expect(policy.refusal(host: "hooks.example.com", address: try #require(IPAddress("93.184.216.34"))) == nil)
        #expect(DeliveryTargets.any.refusal(host: "127.0.0.1") == nil)
        #expect(!DeliveryTargets.any.mustResolve(host: "anything"))
    }

    @Test func aListLetsExactlyWhatItNames() throws {
        let policy = try DeliveryTargets.parse("hooks.example.com, 10.0.0.0/8 ,127.0.0.1").get()
        #expect(policy.refusal(host: "hooks.example.com") == nil)
        #expect(!policy.mustResolve(host: "HOOKS.example.com"))
        #expect(policy.refusal(host: "10.1.2.3") == nil)
        #expect(policy.refusal(host: "127.0.0.1") == nil)
        #expect(policy.refusal(host: "11.0.0.1")?.contains("delivery-targets") == true)
        #expect(policy.refusal(host: "[::1]")?.contains("delivery-targets") == true)
        #expect(policy.refusal(host: "127.0.0.2")?.contains("delivery-targets") == true)
        // A name it does not list is told only by where it resolves.
        #expect(policy.refusal(host: "other.example.com") == nil)
        #expect(policy.mustResolve(host: "other.example.com"))
        #expect(policy.refusal(host: "other.example.com", address: try #require(IPAddress("10.9.9.9"))) == nil)
        #expect(policy.refusal(host: "other.example.com", address: try #require(IPAddress("8.8.8.8")))?.contains("delivery-targets") == true)
    }

    @Test(arguments: [("any", DeliveryTargets.any), ("", .any), (" PUBLIC ", .publicOnly)])
    func keywordsAreRead(text: String, expected: DeliveryTargets) throws {
        #expect(try DeliveryTargets.parse(text).get() == expected)
    }

    @Test(arguments: ["10.0.0.0/99", "http://x", "a b", "10.0.0.0/8/8"])
    func badListsAreRefusedNamingTheItem(text: String) {
        guard case .failure(let error) = DeliveryTargets.parse(text) else {
            Issue.record("\(text) was taken")
            return
        }
        #expect(error.problems.first?.path == "delivery-targets")
    }

    @Test(arguments: [
        ("spree.api_key", true), ("amazon.aws_secret", true), ("shop.password", true), ("hub.token", true), ("API_KEY", true),
        ("spree.api_url", false), ("keys.count", false), ("spree.key_name", false), ("token_url", false), ("x.secretive", false),
    ])
    func secretNamesAreThoseEndingInKeyTokenSecretOrPassword(name: String, secret: Bool) {
        #expect(SecretNames.isSecret(name) == secret)
    }

    @Test func forwardedHeadersAreBelievedOnlyFromTrustedProxies() throws {
        let trusted = [try #require(IPNetwork("10.0.0.0/8"))]
        let direct = ForwardedClient.resolve(peer: "203.0.113.9", forwardedFor: ["1.2.3.4"], forwardedProto: "https", trusted: trusted)
        #expect(direct == ForwardedClient(address: "203.0.113.9", secure: false))
        let proxied = ForwardedClient.resolve(
            peer: "10.0.0.2",
            forwardedFor: ["6.6.6.6, 198.51.100.7", "10.0.0.3"],
            forwardedProto: "https",
            trusted: trusted
        )
        #expect(proxied == ForwardedClient(address: "198.51.100.7", secure: true))
        let plain = ForwardedClient.resolve(peer: "10.0.0.2", forwardedFor: [], forwardedProto: "http", trusted: trusted)
        #expect(plain == ForwardedClient(address: "10.0.0.2", secure: false))
        let garbage = ForwardedClient.resolve(peer: "10.0.0.2", forwardedFor: ["not-an-address"], forwardedProto: nil, trusted: trusted)
        #expect(garbage.address == "10.0.0.2")
    }
}
