import Foundation

/// The Spree API generation the simulator behaves as.
public enum SpreeVersion: String, Sendable, Codable, CaseIterable {
    case v1_3 = "1.3"
    case v2_0 = "2.0"
}

public struct Address: Sendable, Codable, Hashable {
    public var id: Int
    public var firstname: String
    public var lastname: String
    public var address1: String
    public var address2: String?
    public var city: String
    public var zipcode: String
    public var phone: String
    public var company: String?
    public var countryISO: String
    public var stateName: String?
}

public struct User: Sendable, Codable, Hashable {
    public var id: Int
    public var email: String
    public var apiKey: String?
    public var admin: Bool
    public var createdAt: Date
    public var updatedAt: Date
}

public struct Product: Sendable, Codable, Hashable {
    public var id: Int
    public var name: String
    public var description: String
    public var price: Money
    public var costPrice: Money?
    public var permalink: String
    public var availableOn: Date
    public var metaDescription: String?
    public var metaKeywords: String?
    public var shippingCategoryID: Int
    public var taxonIDs: [Int]
    public var createdAt: Date
    public var updatedAt: Date
    public var deletedAt: Date?
}

public struct Variant: Sendable, Codable, Hashable {
    public var id: Int
    public var productID: Int
    public var sku: String
    public var price: Money
    public var costPrice: Money?
    public var weight: String?
    public var isMaster: Bool
    public var optionsText: String
    /// 1.3 keeps stock on the variant; 2.0 in stock items.
    public var countOnHand: Int
    public var lockVersion: Int
    public var createdAt: Date
    public var updatedAt: Date
}

public struct StockLocation: Sendable, Codable, Hashable {
    public var id: Int
    public var name: String
    public var active: Bool
}

public struct StockItem: Sendable, Codable, Hashable {
    public var id: Int
    public var stockLocationID: Int
    public var variantID: Int
    public var countOnHand: Int
    public var backorderable: Bool
}

public struct LineItem: Sendable, Codable, Hashable {
    public var id: Int
    public var variantID: Int
    public var quantity: Int
    public var price: Money
    public var createdAt: Date
    public var updatedAt: Date
}

public struct Adjustment: Sendable, Codable, Hashable {
    public var id: Int
    public var label: String
    public var amount: Money
    public var createdAt: Date
}

public struct Payment: Sendable, Codable, Hashable {
    public var id: Int
    public var amount: Money
    public var state: String
    public var paymentMethodID: Int
    public var sourceType: String?
    public var sourceID: Int?
    public var responseCode: String?
    public var avsResponse: String?
    public var createdAt: Date
    public var updatedAt: Date
}

public struct InventoryUnit: Sendable, Codable, Hashable {
    public var id: Int
    public var variantID: Int
    public var state: String
    public var lockVersion: Int
    public var returnAuthorizationID: Int?
    public var serialNumber: String?
}

public struct Shipment: Sendable, Codable, Hashable {
    public var id: Int
    public var number: String
    public var tracking: String?
    public var cost: Money
    public var shippedAt: Date?
    public var state: String
    public var stockLocation: String
    public var shippingMethod: String
    public var inventoryUnits: [InventoryUnit]
    public var createdAt: Date
    public var updatedAt: Date
}

public struct Order: Sendable, Codable, Hashable {
    public var id: Int
    public var number: String
    public var state: String
    public var email: String?
    public var userID: Int?
    public var channel: String
    public var currency: String
    public var token: String
    public var specialInstructions: String?
    public var paymentState: String?
    public var shipmentState: String?
    public var billAddress: Address?
    public var shipAddress: Address?
    public var lineItems: [LineItem]
    public var adjustments: [Adjustment]
    public var payments: [Payment]
    public var shipments: [Shipment]
    public var lockedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    public var completedAt: Date?

    public var itemTotal: Money { lineItems.reduce(.zero) { $0 + $1.price * $1.quantity } }
    public var adjustmentTotal: Money { adjustments.reduce(.zero) { $0 + $1.amount } }
    public var shipTotal: Money { shipments.reduce(.zero) { $0 + $1.cost } }
    public var total: Money { itemTotal + adjustmentTotal + shipTotal }
    public var paymentTotal: Money { payments.filter { $0.state == "completed" }.reduce(.zero) { $0 + $1.amount } }
}

public struct Taxonomy: Sendable, Codable, Hashable {
    public var id: Int
    public var name: String
}

public struct Taxon: Sendable, Codable, Hashable {
    public var id: Int
    public var taxonomyID: Int
    public var parentID: Int?
    public var position: Int
    public var name: String
    public var permalink: String
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date
}

public struct ReturnAuthorization: Sendable, Codable, Hashable {
    public var id: Int
    public var number: String
    public var state: String
    public var amount: Money
    public var orderID: Int
    public var reason: String?
    public var createdAt: Date
    public var updatedAt: Date
}

public struct StockTransfer: Sendable, Codable, Hashable {
    public var id: Int
    public var number: String
    public var sourceLocationID: Int?
    public var destinationLocationID: Int
    /// `(variant id, quantity)` moved.
    public var movements: [StockTransferMovement]
    public var createdAt: Date
    public var updatedAt: Date
}

public struct StockTransferMovement: Sendable, Codable, Hashable {
    public var variantID: Int
    public var quantity: Int
}
