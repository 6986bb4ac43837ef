import Foundation

/// Where the hub may send a delivery: an absolute http or https URL with a host. Mapping URLs
/// and the `update_url` of a reply follow the same rule, so no reply can point the hub at a
/// Unix socket (`http+unix://`) or any other scheme the HTTP client would follow.
public enum DeliveryURL {
    /// What is wrong with `text` as a delivery URL, or nil. With `relative`, a path (resolved
    /// against the mapping's URL) is allowed too.
    public static func problem(_ text: String, relative: Bool = false) -> String? {
        guard text.utf8.count <= 2048 else { return "must be at most 2048 bytes" }
        guard let components = URLComponents(string: text) else { return "must be an absolute http or https URL, not '\(text)'" }
        if relative, components.scheme == nil, components.host == nil { return nil }
        guard let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return "must be an absolute http or https URL, not '\(text)'" }
        return nil
    }
}
