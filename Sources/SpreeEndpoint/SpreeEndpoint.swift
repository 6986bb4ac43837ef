import AsyncHTTPClient
import EndpointKit
import IntegratorModel

/// The Spree endpoint: every service of the seed on EndpointKit, with its manifest.
public enum SpreeEndpoint {
    static let common: [EndpointManifest.Parameter] = [
        .init(name: "spree.api_url", description: "Your Spree store's API URL", defaultValue: "http://demostore.com/api/"),
        .init(name: "spree.api_key", description: "The API key of an admin user"),
        .init(name: "spree.api_version", description: "The store's Spree version: 1.3 or 2.0", defaultValue: "2.0"),
    ]

    /// What `GET /endpoint.json` answers: the services, the parameters each needs and the
    /// mappings it recommends.
    public static let manifest = EndpointManifest(
        name: "spree",
        display: "Spree",
        description:
            "Drives a Spree store's API: polls its collections, imports and locks orders, captures payments, ships shipments and changes stock.",
        help: "Set spree.api_url, spree.api_key and spree.api_version on the store.",
        services: [
            .init(
                name: "collections_poll",
                path: "/collections/poller",
                description: "Polls a collection of the store for objects changed since the last poll",
                parameters: common + [
                    .init(
                        name: "spree.collections_poll.last_updated_at",
                        description: "Per collection, the time of the last change seen",
                        dataType: .list,
                        defaultValue: [],
                        optional: true
                    ),
                    .init(
                        name: "spree.collections_poll.per_page",
                        description: "Per collection, how many objects a poll reads (at most 50)",
                        dataType: .list,
                        defaultValue: [],
                        optional: true
                    ),
                ],
                messages: ["hub:poll"],
                required: true
            ),
            .init(
                name: "order_lock",
                path: "/orders/lock",
                description: "Locks an order so admins cannot edit it",
                parameters: common,
                messages: ["order:ship"],
                identifiers: ["order_number": "payload.order.number"]
            ),
            .init(
                name: "order_import",
                path: "/orders/import",
                description: "Creates an order in the store from the canonical order",
                parameters: common + [
                    .init(
                        name: "spree.truncate_address_address1",
                        description: "Maximum length of address1",
                        dataType: .integer,
                        defaultValue: 255,
                        optional: true
                    )
                ],
                messages: ["order:import"],
                identifiers: ["order_number": "payload.order.number"]
            ),
            .init(
                name: "payment_capture",
                path: "/payments/capturer",
                description: "Captures the order's pending payment",
                parameters: common,
                messages: ["order:capture"],
                identifiers: ["order_number": "payload.order.number"]
            ),
            .init(
                name: "shipment_confirm",
                path: "/shipments/inventory_unit",
                description: "Ships the shipment with tracking and records serial numbers",
                parameters: common,
                messages: ["shipment:confirm"],
                identifiers: ["shipment_number": "payload.shipment.number"]
            ),
            .init(
                name: "stock_change",
                path: "/stock/change",
                description: "Changes a variant's count on hand",
                parameters: common + [
                    .init(
                        name: "spree.force_quantity",
                        description: "Set the count to the quantity instead of adding it",
                        dataType: .boolean,
                        defaultValue: false,
                        optional: true
                    ),
                    .init(
                        name: "spree.stock_location_id",
                        description: "The stock location (Spree 2.0); the first one when unset",
                        dataType: .integer,
                        optional: true
                    ),
                ],
                messages: ["stock:change"]
            ),
            .init(
                name: "stock_actual",
                path: "/stock/actual",
                description: "Sets a variant's count on hand",
                parameters: common + [
                    .init(name: "spree.stock_location_id", description: "The stock location (Spree 2.0)", dataType: .integer, optional: true)
                ],
                messages: ["stock:actual"]
            ),
        ]
    )

    /// The endpoint with every service, guarded by `key` (`ENDPOINT_KEY`).
    public static func make(key: String?, http: HTTPClient) -> Endpoint {
        let services = SpreeServices(http: http)
        var endpoint = Endpoint(key: key, prefix: "spree", manifest: manifest)
        endpoint.service("/collections/poller", services.poll)
        endpoint.service("/orders/lock", services.lock)
        endpoint.service("/orders/import", services.importOrder)
        endpoint.service("/payments/capturer", services.capture)
        endpoint.service("/shipments/inventory_unit", services.confirmShipment)
        endpoint.service("/stock/change", services.changeStock)
        endpoint.service("/stock/actual", services.changeStock)
        return endpoint
    }
}
