//! Recognising redeliveries: a store of the events already handled, keyed by
//! [`EventKey`], behind a trait so that a shared store (Redis, a database) can replace the
//! bounded in-memory one when several receivers run side by side.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use callkit_core::webhook::EventKey;

use crate::runtime::{Runtime, default_runtime};

/// What a store's methods return: a boxed future, so that a store can do network I/O
/// and still be used as `dyn DedupStore`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A store that could not answer (e.g. its server is down). The receiver then answers
/// the delivery as not handled, so that it comes again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("deduplication store: {0}")]
pub struct StoreError(pub String);

/// The answer to [`DedupStore::claim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// Not seen (or forgotten): the caller now owns it, and must [`mark_handled`]
    /// or [`release`] it.
    ///
    /// [`mark_handled`]: DedupStore::mark_handled
    /// [`release`]: DedupStore::release
    Claimed,
    /// Handled successfully before: acknowledge without handling it again.
    AlreadyHandled,
    /// Another delivery of it is being handled right now: answer "not handled", so that
    /// it comes again and finds the outcome.
    InProgress,
}

/// Where a receiver records the events it handled. Each method can be one round trip to
/// a shared store: `claim` as an atomic "set if absent, with expiry" (Redis `SET key
/// claimed NX PX …`), `mark_handled` as an overwrite, `release` as a delete.
pub trait DedupStore: Send + Sync {
    /// Claims `key` for handling, unless it was handled or is being handled.
    fn claim<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, Claim>;
    /// Records that the claimed `key` was handled successfully.
    fn mark_handled<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()>;
    /// Gives up the claim on `key` (handling failed), so that a redelivery is handled.
    fn release<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()>;
}

impl<S: DedupStore + ?Sized> DedupStore for Arc<S> {
    fn claim<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, Claim> {
        (**self).claim(key)
    }
    fn mark_handled<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()> {
        (**self).mark_handled(key)
    }
    fn release<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()> {
        (**self).release(key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Claimed,
    Handled,
}

#[derive(Default)]
struct Entries {
    /// Each key's state and when it was claimed.
    by_key: HashMap<EventKey, (State, Duration)>,
    /// Keys in claim order, oldest first; an entry whose time no longer matches
    /// `by_key` is stale (released or claimed again) and skipped.
    order: VecDeque<(EventKey, Duration)>,
}

impl Entries {
    /// Forgets what is older than `max_age`, and the oldest beyond `max_entries - room`.
    fn trim(&mut self, now: Duration, max_age: Duration, max_entries: usize, room: usize) {
        while let Some(&(key, at)) = self.order.front() {
            let current = self.by_key.get(&key).is_some_and(|&(_, t)| t == at);
            let expired = now.saturating_sub(at) >= max_age;
            let over = self.by_key.len() + room > max_entries;
            if current && !expired && !over {
                break;
            }
            self.order.pop_front();
            if current {
                self.by_key.remove(&key);
            }
        }
        // Released keys leave stale entries behind; keep the queue bounded too.
        if self.order.len() > 2 * max_entries.max(1) {
            let by_key = &self.by_key;
            self.order
                .retain(|(key, at)| by_key.get(key).is_some_and(|&(_, t)| t == *at));
        }
    }
}

/// A [`DedupStore`] in this process's memory, bounded in size and age: at most
/// `max_entries` keys (the oldest are forgotten first), each for at most `max_age` after
/// its claim. Forgetting is safe in one direction only: a forgotten event that is
/// redelivered is handled again, so size the store for the redelivery window (v1 retries
/// within about 12 s) times the callback rate.
///
/// ```
/// use std::time::Duration;
/// use callkit::webhook::{Claim, DedupStore, EventKey, Generation, MemoryDedupStore};
///
/// let store = MemoryDedupStore::new(10_000, Duration::from_secs(600));
/// let key = EventKey::new(1, Generation::V1, "cancel", b"{}");
/// futures_lite::future::block_on(async {
///     assert_eq!(store.claim(&key).await?, Claim::Claimed);
///     assert_eq!(store.claim(&key).await?, Claim::InProgress);
///     store.mark_handled(&key).await?;
///     assert_eq!(store.claim(&key).await?, Claim::AlreadyHandled);
///     Ok::<(), callkit::webhook::StoreError>(())
/// })?;
/// # Ok::<(), callkit::webhook::StoreError>(())
/// ```
pub struct MemoryDedupStore {
    entries: Mutex<Entries>,
    max_entries: usize,
    max_age: Duration,
    runtime: Arc<dyn Runtime>,
}

impl std::fmt::Debug for MemoryDedupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryDedupStore")
            .field("max_entries", &self.max_entries)
            .field("max_age", &self.max_age)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl MemoryDedupStore {
    /// An empty store of at most `max_entries` (at least 1) keys, each kept `max_age`.
    pub fn new(max_entries: usize, max_age: Duration) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            max_entries: max_entries.max(1),
            max_age,
            runtime: default_runtime(),
        }
    }

    /// Reads the time from `runtime` (default [`default_runtime`]); tests give a
    /// [`ManualRuntime`](crate::testing::ManualRuntime).
    #[must_use]
    pub fn runtime(mut self, runtime: Arc<dyn Runtime>) -> Self {
        self.runtime = runtime;
        self
    }

    /// How many keys the store holds now.
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, key: &EventKey) -> Claim {
        let now = self.runtime.now();
        let mut entries = self.lock();
        entries.trim(now, self.max_age, self.max_entries, 0);
        match entries.by_key.get(key) {
            Some((State::Handled, _)) => Claim::AlreadyHandled,
            Some((State::Claimed, _)) => Claim::InProgress,
            None => {
                entries.trim(now, self.max_age, self.max_entries, 1);
                entries.by_key.insert(*key, (State::Claimed, now));
                entries.order.push_back((*key, now));
                Claim::Claimed
            }
        }
    }

    fn settle(&self, key: &EventKey, handled: bool) {
        let mut entries = self.lock();
        if handled {
            if let Some(entry) = entries.by_key.get_mut(key) {
                entry.0 = State::Handled;
            }
        } else {
            entries.by_key.remove(key);
        }
    }
}

impl DedupStore for MemoryDedupStore {
    fn claim<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, Claim> {
        Box::pin(std::future::ready(Ok(self.claim_now(key))))
    }
    fn mark_handled<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()> {
        self.settle(key, true);
        Box::pin(std::future::ready(Ok(())))
    }
    fn release<'a>(&'a self, key: &'a EventKey) -> StoreFuture<'a, ()> {
        self.settle(key, false);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {

    use callkit_core::webhook::Generation;

    use super::*;
    use crate::testing::ManualRuntime;

    fn key(n: u32) -> EventKey {
        EventKey::new(1, Generation::V4, "Call.X", &n.to_be_bytes())
    }

    fn claim(store: &MemoryDedupStore, n: u32) -> Claim {
        async_io::block_on(store.claim(&key(n))).unwrap()
    }

    fn handled(store: &MemoryDedupStore, n: u32) {
        async_io::block_on(store.mark_handled(&key(n))).unwrap();
    }

    /// A store on a runtime the test moves by hand.
    fn store(max_entries: usize, max_age_secs: u64) -> (MemoryDedupStore, ManualRuntime) {
        let runtime = ManualRuntime::new(Duration::ZERO);
        let store = MemoryDedupStore::new(max_entries, Duration::from_secs(max_age_secs))
            .runtime(runtime.shared());
        (store, runtime)
    }

    /// Moves `runtime` on to `secs` seconds from its start.
    fn set(runtime: &ManualRuntime, secs: u64) {
        runtime.advance(Duration::from_secs(secs).saturating_sub(runtime.now()));
    }

    #[test]
    fn claimed_then_handled_then_forgotten_at_its_age() {
        let (store, secs) = store(10, 60);
        assert_eq!(claim(&store, 1), Claim::Claimed);
        assert_eq!(claim(&store, 1), Claim::InProgress);
        handled(&store, 1);
        set(&secs, 59);
        assert_eq!(claim(&store, 1), Claim::AlreadyHandled);
        set(&secs, 60);
        assert_eq!(claim(&store, 1), Claim::Claimed, "forgotten after max_age");
    }

    #[test]
    fn a_released_claim_can_be_claimed_again() {
        let (store, _) = store(10, 60);
        assert_eq!(claim(&store, 1), Claim::Claimed);
        async_io::block_on(store.release(&key(1))).unwrap();
        assert_eq!(claim(&store, 1), Claim::Claimed);
    }

    #[test]
    fn the_oldest_keys_go_first_when_full_and_the_size_stays_bounded() {
        let (store, secs) = store(3, 600);
        for n in 0..3 {
            set(&secs, u64::from(n));
            assert_eq!(claim(&store, n), Claim::Claimed);
            handled(&store, n);
        }
        assert_eq!(claim(&store, 3), Claim::Claimed);
        assert_eq!(store.len(), 3);
        assert_eq!(claim(&store, 1), Claim::AlreadyHandled);
        assert_eq!(claim(&store, 0), Claim::Claimed, "the oldest was evicted");
        // Many claim/release cycles leave the queue bounded.
        for _ in 0..100 {
            assert_eq!(claim(&store, 9), Claim::Claimed);
            async_io::block_on(store.release(&key(9))).unwrap();
        }
        // Compacted past twice the capacity, plus the one claim pushed after compacting.
        assert!(store.lock().order.len() <= 2 * 3 + 1);
        assert!(store.len() <= 3);
    }
}
