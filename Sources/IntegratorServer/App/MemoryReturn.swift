import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Gives memory back to the system after large bodies.
///
/// Parsing a 1 MiB body builds a tree many times its size; once the request is answered the
/// tree is freed, but glibc's allocator keeps the pages in its arenas, so a burst of large bad
/// bodies used to leave hundreds of megabytes resident. Requests that read a large body mark
/// it here, and this service calls `malloc_trim` once a second for the next few seconds (a
/// request may still be working when the first trim runs; the later ones catch what it frees).
final class MemoryReturn: Sendable {
    /// Bodies at least this large mark the allocator for trimming.
    static let largeBody = 128 * 1024
    /// Trims after the last large body: one a second.
    static let trimsAfterLargeBody = 5
    private let trimsLeft = Atomic<Int>(0)

    /// A request read a body of `size` bytes.
    func bodyRead(size: Int) {
        if size >= Self.largeBody { trimsLeft.store(Self.trimsAfterLargeBody, ordering: .relaxed) }
    }

    /// Trims if a large body was read in the last few seconds; true when it trimmed.
    @discardableResult
    func trimIfNeeded() -> Bool {
        var left = trimsLeft.load(ordering: .relaxed)
        while left > 0 {
            let (taken, current) = trimsLeft.compareExchange(expected: left, desired: left - 1, ordering: .relaxed)
            if taken {
                _ = Self.mallocTrim?(0)
                return true
            }
            left = current
        }
        return false
    }

    /// glibc's `malloc_trim`, which Swift's Glibc module does not export; nil elsewhere.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}

/// Runs `MemoryReturn.trimIfNeeded` once a second until shutdown.
struct MemoryReturnService: Service {
    let memory: MemoryReturn

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                memory.trimIfNeeded()
            }
        }
    }
}
