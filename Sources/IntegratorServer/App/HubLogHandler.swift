import Logging

/// The hub's log handler: swift-log's `StreamLogHandler`, with the logger's metadata kept here
/// and handed to it only when a line is written.
///
/// Why: `StreamLogHandler` formats its whole metadata into text each time a key is set, and
/// Hummingbird sets one (`hb.request.id`) on every request, so every push paid for text no line
/// printed (1.5 % of a push's CPU in row 2, where nothing below `warning` is written). Here a
/// key costs a dictionary write; a line written has the same text as before, keys sorted, with
/// the line's own metadata over the logger's.
public struct HubLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    /// Writes to standard error, at `level` and above.
    public static func standardError(label: String, level: Logger.Level) -> HubLogHandler {
        var stream = StreamLogHandler.standardError(label: label)
        stream.logLevel = level
        return HubLogHandler(stream: stream)
    }

    /// Writes through `stream` (whose own metadata should be empty).
    public init(stream: StreamLogHandler) {
        self.stream = stream
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        stream.log(event: event)
    }
}
