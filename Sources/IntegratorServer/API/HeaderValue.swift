import HTTPTypes

extension HTTPFields {
    /// The value of the fields named `name`, as `self[name]` gives it (several joined with
    /// ", "), without its cost: swift-http-types joins through a lazy sequence that is not
    /// specialised here, so each read looked up generic metadata at run time (1 % of a push's
    /// CPU for the four headers a push reads). Not for `Cookie`, which `self[name]` joins with
    /// "; ".
    func value(_ name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            if let earlier = found { found = earlier + ", " + field.value } else { found = field.value }
        }
        return found
    }
}
