import Foundation

/// A sample message of each of the ten kinds, in the canonical shapes of the original hub's
/// samples: what the console's test tool starts from and `GET /api/samples` serves.
public enum SampleMessages {
    /// The ten kinds, in the order the console lists them.
    public static let kinds = [
        "order:new", "order:updated", "order:canceled", "payment:ready", "shipment:ready", "shipment:confirm",
        "product:new", "product:updated", "user:new", "user:updated",
    ]

    /// The sample payload for `kind`, with `number` as the order number where there is one.
    public static func payload(_ kind: String, number: String = "R123456789") -> JSONValue? {
        switch kind {
        case "order:new", "order:updated", "payment:ready":
            return .object(["order": order(number: number, status: "complete")])
        case "order:canceled":
            return .object(["order": order(number: number, status: "canceled")])
        case "shipment:ready", "shipment:confirm":
            var shipment: JSONObject = [
                "number": .string("H\(number.dropFirst())"), "order_number": .string(number), "email": "spree@example.com",
                "cost": 5.0, "status": kind == "shipment:ready" ? "ready" : "shipped", "stock_location": "default",
                "shipping_method": "UPS Ground (USD)",
                "shipping_address": address,
                "items": .array([.object(["name": "Spree Ringer T-Shirt", "sku": "SPR-00013", "quantity": 2, "price": 19.99, "variant_id": 8])]),
            ]
            if kind == "shipment:confirm" {
                shipment["tracking"] = "1Z999AA10123456784"
                shipment["shipped_at"] = "2026-11-24T10:00:00Z"
            }
            return .object(["shipment": .object(shipment)])
        case "product:new", "product:updated":
            return .object([
                "product": .object([
                    "id": "SPR-00013", "sku": "SPR-00013", "name": "Spree Ringer T-Shirt", "description": "A soft cotton ringer tee.",
                    "price": 19.99, "cost_price": 8.0, "available_on": "2026-11-01T00:00:00Z", "permalink": "spree-ringer-t-shirt",
                    "shipping_category": "Default", "taxons": .array([.array(["Categories", "Clothing", "T-Shirts"])]),
                    "variants": .array([.object(["sku": "SPR-00013-M", "price": 19.99, "quantity": 12, "options": .object(["tshirt-size": "M"])])]),
                ])
            ])
        case "user:new", "user:updated":
            return .object([
                "user": .object([
                    "id": 42, "email": "spree@example.com", "firstname": "Brian", "lastname": "Quinn",
                    "shipping_address": address, "billing_address": address,
                ])
            ])
        default:
            return nil
        }
    }

    /// The whole message: `{message, payload}`.
    public static func message(_ kind: String, number: String = "R123456789") -> JSONValue? {
        payload(kind, number: number).map { .object(["message": .string(kind), "payload": $0]) }
    }

    static let address: JSONValue = .object([
        "firstname": "Brian", "lastname": "Quinn", "address1": "7735 Old Georgetown Rd", "address2": "Suite 510",
        "zipcode": "20814", "city": "Bethesda", "state": "Maryland", "country": "US", "phone": "555-123-456",
    ])

    static func order(number: String, status: String) -> JSONValue {
        .object([
            "number": .string(number), "channel": "spree", "email": "spree@example.com", "currency": "USD", "status": .string(status),
            "placed_on": "2026-11-24T09:00:00Z",
            "totals": .object(["item": 39.98, "adjustment": 3.2, "tax": 3.2, "shipping": 5.0, "payment": 48.18, "order": 48.18]),
            "line_items": .array([.object(["name": "Spree Ringer T-Shirt", "sku": "SPR-00013", "quantity": 2, "price": 19.99, "variant_id": 8])]),
            "adjustments": .array([.object(["name": "Tax", "value": 3.2]), .object(["name": "Shipping", "value": 5.0])]),
            "shipping_address": address, "billing_address": address,
            "payments": .array([.object(["number": "P123", "amount": 48.18, "payment_method": "Credit Card", "status": "completed"])]),
            "shipments": .array([
                .object([
                    "number": .string("H\(number.dropFirst())"), "cost": 5.0, "status": "ready", "shipping_method": "UPS Ground (USD)",
                    "items": .array([.object(["name": "Spree Ringer T-Shirt", "sku": "SPR-00013", "quantity": 2, "price": 19.99, "variant_id": 8])]),
                ])
            ]),
        ])
    }
}
