//! A fixed set of worker threads that run the handler, so a burst of slow requests never
//! grows the process's thread count: extra jobs wait in a queue for a free worker.

use std::panic::AssertUnwindSafe;

use smol::channel::{Receiver, Sender};

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The workers of one server. Dropping it closes the queue; each worker ends once the
/// queue is empty and closed (it is not joined: a handler still running finishes on its
/// own thread, and its reply is discarded).
pub(crate) struct Workers {
    queue: Sender<Job>,
}

impl Workers {
    /// Starts `count` (at least one) threads named `{name}-{i}`.
    pub(crate) fn start(count: usize, name: &str) -> std::io::Result<Self> {
        let (queue, jobs) = smol::channel::unbounded::<Job>();
        for i in 0..count.max(1) {
            let jobs: Receiver<Job> = jobs.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    while let Ok(job) = jobs.recv_blocking() {
                        job();
                    }
                })?;
        }
        Ok(Self { queue })
    }

    /// Runs `work` on a worker; resolves to its result, or `Err` with the panic payload
    /// when it panicked (the worker thread survives).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> std::thread::Result<T> {
        let (done, result) = smol::channel::bounded(1);
        let job: Job = Box::new(move || {
            let _ = done.try_send(std::panic::catch_unwind(AssertUnwindSafe(work)));
        });
        if self.queue.send(job).await.is_err() {
            return Err(Box::new("the server's workers have stopped"));
        }
        result
            .recv()
            .await
            .unwrap_or_else(|_| Err(Box::new("the worker dropped the job")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_beyond_the_worker_count_queue_and_panics_are_contained() {
        let workers = Workers::start(2, "test-worker").unwrap();
        let results = smol::block_on(async {
            let mut out = Vec::new();
            for i in 0..20 {
                out.push(workers.run(move || i * 2).await.unwrap());
            }
            out
        });
        assert_eq!(results, (0..20).map(|i| i * 2).collect::<Vec<_>>());
        let panicked = smol::block_on(workers.run(|| -> u8 { panic!("job bug") }));
        assert!(panicked.is_err());
        assert_eq!(smol::block_on(workers.run(|| 7)).unwrap(), 7);
    }
}
