import Logging
import Synchronization
import Testing

@testable import IntegratorServer

/// The hub's log handler keeps the logger's metadata itself and formats it only for a line it
/// writes: the lines read exactly as `StreamLogHandler`'s would, with the same metadata.
@Suite struct HubLogHandlerTests {
    /// Collects what a handler writes.
    final class Lines: TextOutputStream, Sendable {
        private let text = Mutex("")
        func write(_ string: String) { text.withLock { $0 += string } }
        /// The lines without their timestamps, which differ between two handlers.
        var withoutTimes: [String] {
            text.withLock { $0 }.split(separator: "\n").map { $0.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        }
    }

    static func loggers(level: Logger.Level = .info) -> (hub: Logger, stream: Logger, hubLines: Lines, streamLines: Lines) {
        let hubLines = Lines()
        let streamLines = Lines()
        var hubStream = StreamLogHandler(label: "t", stream: hubLines, metadataProvider: nil)
        hubStream.logLevel = level
        var plain = StreamLogHandler(label: "t", stream: streamLines, metadataProvider: nil)
        plain.logLevel = level
        return (Logger(label: "t") { _ in HubLogHandler(stream: hubStream) }, Logger(label: "t") { _ in plain }, hubLines, streamLines)
    }

    @Test func aLineReadsAsStreamLogHandlersWithTheSameMetadata() {
        var (hub, stream, hubLines, streamLines) = Self.loggers()
        for index in 0..<2 {
            var logger = index == 0 ? hub : stream
            logger[metadataKey: "hb.request.id"] = "42"
            logger[metadataKey: "store"] = "shop"
            logger.info("accepted", metadata: ["message_id": "abc", "store": "other"])
            logger.info("plain")
            logger[metadataKey: "store"] = nil
            logger.warning("after removal")
            if index == 0 { hub = logger } else { stream = logger }
        }
        #expect(hubLines.withoutTimes == streamLines.withoutTimes)
        #expect(hubLines.withoutTimes.first == "info t: hb.request.id=42 message_id=abc store=other [IntegratorServerTests] accepted")
        #expect(hubLines.withoutTimes.last == "warning t: hb.request.id=42 [IntegratorServerTests] after removal")
    }

    @Test func aMetadataProviderSitsBetweenTheLoggersMetadataAndTheLines() {
        let provider = Logger.MetadataProvider { ["store": "provided", "trace": "t1"] }
        let hubLines = Lines()
        let streamLines = Lines()
        let hubStream = StreamLogHandler(label: "t", stream: hubLines, metadataProvider: nil)
        let plain = StreamLogHandler(label: "t", stream: streamLines, metadataProvider: provider)
        var hub = Logger(label: "t") { _ in HubLogHandler(stream: hubStream, metadataProvider: provider) }
        var stream = Logger(label: "t") { _ in plain }
        for index in 0..<2 {
            var logger = index == 0 ? hub : stream
            logger[metadataKey: "store"] = "own"
            logger[metadataKey: "hb.request.id"] = "9"
            logger.info("no metadata of its own")
            logger.info("with its own", metadata: ["trace": "line"])
            if index == 0 { hub = logger } else { stream = logger }
        }
        #expect(hubLines.withoutTimes == streamLines.withoutTimes)
        #expect(hubLines.withoutTimes.first == "info t: hb.request.id=9 store=provided trace=t1 [IntegratorServerTests] no metadata of its own")
    }

    @Test func metadataIsReadBackAndLinesBelowTheLevelAreNotWritten() {
        var (hub, _, hubLines, _) = Self.loggers(level: .warning)
        hub[metadataKey: "hb.request.id"] = "7"
        #expect(hub[metadataKey: "hb.request.id"] == "7")
        #expect(hub.logLevel == .warning)
        hub.info("not written")
        #expect(hubLines.withoutTimes.isEmpty)
        hub.logLevel = .info
        hub.info("written")
        #expect(hubLines.withoutTimes == ["info t: hb.request.id=7 [IntegratorServerTests] written"])
    }
}
