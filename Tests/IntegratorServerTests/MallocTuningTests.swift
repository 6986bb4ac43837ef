import IntegratorServer
import Testing

/// The server's allocator settings: applied by default, left to the operator's own.
@Suite struct MallocTuningTests {
    @Test func theAllocatorIsTunedUnlessTheOperatorTunedItFirst() {
        #if canImport(Glibc)
        #expect(MallocTuning.applyForServing(environment: ["PATH": "/usr/bin"]))
        #expect(!MallocTuning.applyForServing(environment: ["GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1048576"]))
        #expect(!MallocTuning.applyForServing(environment: ["MALLOC_TRIM_THRESHOLD_": "1048576"]))
        #expect(MallocTuning.applyForServing(environment: ["GLIBC_TUNABLES": "glibc.pthread.rseq=0"]), "other tunables leave it to us")
        #endif
    }
}
