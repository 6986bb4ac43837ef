/// The object types of the store's collections and Wombat's v6 pushes, and how each is known.
public enum ObjectTypes {
    /// `orders` → `order`, `customers` → `customer`, `return_authorizations` → `return_authorization`.
    public static func singular(_ plural: String) -> String {
        if plural.hasSuffix("ies") { return String(plural.dropLast(3)) + "y" }
        if plural.hasSuffix("s") { return String(plural.dropLast()) }
        return plural
    }

    /// The field that identifies an object of `type` in a store's own JSON (`number` for orders,
    /// carts and shipments, `sku` for products, `email` for users, `id` otherwise). Wombat v6
    /// objects are always identified by `id`, which v6 defines as that same value.
    public static func identityField(_ type: String) -> String {
        switch type {
        case "order", "cart", "shipment": return "number"
        case "product": return "sku"
        case "user": return "email"
        default: return "id"
        }
    }
}
