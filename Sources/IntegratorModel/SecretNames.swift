/// Which parameters are secrets: those whose name's last dotted segment ends in `key`, `token`,
/// `secret` or `password` (`spree.api_key`, `amazon.aws_secret`, `shop.password`), in any case.
/// Their values are encrypted at rest when the hub has a secret key.
public enum SecretNames {
    static let endings = ["key", "token", "secret", "password"]

    public static func isSecret(_ name: String) -> Bool {
        let last = (name.split(separator: ".").last.map(String.init) ?? name).lowercased()
        return endings.contains { last.hasSuffix($0) }
    }
}
