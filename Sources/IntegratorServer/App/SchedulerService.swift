import Foundation
import IntegratorModel
import IntegratorStore
import Logging
import ServiceLifecycle

/// Fires schedulers: every tick, each due scheduler makes its message once, even across
/// processes; after a downtime a missed tick fires once, not once per interval missed.
struct SchedulerService: Service {
    let hub: Hub

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        while !Task.isCancelled {
            let now = hub.clock.now()
            do {
                let router = hub.router
                let made = try await hub.database.fireDueSchedulers(now: now) { storeID, scheduler in
                    router.route(storeID: storeID, name: scheduler.message, payload: scheduler.payload, origin: .scheduler, now: now)
                }
                for message in made {
                    hub.logger.info(
                        "scheduler fired",
                        metadata: ["message_id": .string(message.id), "store": .string(message.storeID), "message": .string(message.name)]
                    )
                }
                if !made.isEmpty {
                    hub.metrics.messagesIngested(made.count)
                    hub.wakeWorkers()
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                hub.logger.error("firing schedulers failed: \(error)")
            }
            try? await Task.sleep(for: .seconds(hub.configuration.schedulerTick))
        }
    }
}
