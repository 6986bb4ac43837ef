#if canImport(Glibc)
import Glibc
#endif

/// How the server process asks the C allocator to keep freed memory.
///
/// Why: glibc gives a thread arena's freed top back to the kernel (`madvise`) as soon as more
/// than 128 KB of it is free, and the next allocations fault it back in, page by page. The
/// hub's workers free and allocate a few hundred KB a delivery, so under load the drain spent
/// about a sixth of its CPU in `madvise`, its TLB shootdowns and the page faults after
/// (measured with perf), and moved between a fast and a slow mode with how the arenas' tops
/// happened to fall. Keeping up to 32 MB free at an arena's top, and serving blocks under
/// 4 MB from the heap rather than from `mmap`, took the drain from 265 to 330 µs of CPU a
/// delivery down to 175 to 220 (BENCHMARKS.md). Memory is still handed back past that, so
/// the soak's resident size stays flat.
public enum MallocTuning {
    /// Applies the settings, unless the operator tuned the allocator through the environment
    /// (`GLIBC_TUNABLES` or the `MALLOC_…_` variables), which then win. Returns whether it did.
    @discardableResult
    public static func applyForServing(environment: [String: String]) -> Bool {
        #if canImport(Glibc)
        if environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.") == true { return false }
        if environment.keys.contains(where: { $0.hasPrefix("MALLOC_") && $0.hasSuffix("_") }) { return false }
        // `mallopt` and its options live in <malloc.h>, which the Glibc module leaves out; the
        // option numbers are glibc's stable ABI (M_TRIM_THRESHOLD -1, M_TOP_PAD -2,
        // M_MMAP_THRESHOLD -3).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        return mallopt(-1, 32 << 20) == 1 && mallopt(-2, 4 << 20) == 1 && mallopt(-3, 4 << 20) == 1
        #else
        return false
        #endif
    }
}
