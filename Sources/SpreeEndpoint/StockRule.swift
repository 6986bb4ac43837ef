/// How a stock change lands, per Spree version: the seed's two tables, exactly.
///
/// 1.3 keeps `count_on_hand` on the variant and cannot take backorders: a result below zero, or
/// a forced negative quantity, is refused (the original endpoint's `InvalidQuantityException`).
/// 2.0 keeps stock per location and allows negative counts.
public enum StockRule {
    public enum Version: String, Sendable {
        case v1_3 = "1.3"
        case v2_0 = "2.0"
    }

    /// The new count, or nil when the change is refused.
    public static func apply(version: Version, current: Int, quantity: Int, force: Bool) -> Int? {
        let result = force ? quantity : current + quantity
        if version == .v1_3, result < 0 { return nil }
        return result
    }
}
