import NIOCore

/// Runs a task's jobs on one SwiftNIO event loop, for a task that mostly waits for answers
/// arriving on that loop: the group commit's statements. Each answer then resumes the commit on
/// the thread that read it, and the next statement is written from there, where the default
/// executor queued every resumption behind the requests' work in the task pool. The bench's
/// receiver runs each connection on its loop with it too (`integrator-bench`).
///
/// Written by hand: SwiftNIO (2.101) makes an event loop a `SerialExecutor` for actors, not a
/// `TaskExecutor` for `executorPreference`.
package final class EventLoopTaskExecutor: TaskExecutor {
    package let eventLoop: any EventLoop

    package init(_ eventLoop: any EventLoop) { self.eventLoop = eventLoop }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        eventLoop.execute { job.runSynchronously(on: executor) }
    }
}
