import Logging

/// The hub's log handler: swift-log's `StreamLogHandler`, with the logger's metadata kept here
/// and handed to it only when a line is written.
///
/// Why: `StreamLogHandler` formats its whole metadata into text each time a key is set, and
/// Hummingbird sets one (`hb.request.id`) on every request, so every push paid for text no line
/// printed (1.5 % of a push's CPU in row 2, where nothing below `warning` is written). Here a
/// key costs a dictionary write; a line written has the same text as before, keys sorted, with
/// the line's own metadata over the provider's, and the provider's over the logger's.
public struct HubLogHandler: LogHandler {
    private var stream: StreamLogHandler
    public var metadata: Logger.Metadata = [:]
    /// Kept here, not in `stream`, so that a line's metadata is merged in the stream handler's
    /// order: the logger's, then the provider's, then the line's own.
    public var metadataProvider: Logger.MetadataProvider?

    public var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    /// Writes to standard error, at `level` and above.
    public static func standardError(label: String, level: Logger.Level) -> HubLogHandler {
        var stream = StreamLogHandler.standardError(label: label, metadataProvider: nil)
        stream.logLevel = level
        return HubLogHandler(stream: stream, metadataProvider: LoggingSystem.metadataProvider)
    }

    /// Writes through `stream`, whose own metadata and provider go unused.
    public init(stream: StreamLogHandler, metadataProvider: Logger.MetadataProvider? = nil) {
        self.stream = stream
        self.stream.metadataProvider = nil
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { _, provided in provided } }
        if let explicit = event.metadata { merged.merge(explicit) { _, explicit in explicit } }
        var event = event
        if !merged.isEmpty { event.metadata = merged }
        stream.log(event: event)
    }
}
