//! Worker pools for batch calls. The pool of each requested size is built on
//! first use and kept: building one spawns its threads on every call
//! otherwise, and a kept pool's threads keep their scratch buffers and merge
//! memos warm from one batch to the next. Pools belong to one process: a
//! child made by `fork` builds its own (see [`registry`]).

use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// The most threads a call starts, as sentencepiece caps them: `2**31`
/// asked for spent minutes starting threads before failing.
const MAX_THREADS: usize = 256;

/// `threads`, with 0 read as one per core: every call here means the same by
/// it, and 0 and the core count share one pool. At most [`MAX_THREADS`].
pub fn thread_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(MAX_THREADS)
}

/// The pools of one process. A forked child inherits the parent's memory but
/// none of its threads: a pool built before `fork` has no workers in the
/// child, and a job handed to it would wait forever (HF `tokenizers`'
/// deadlock, which it avoids by turning parallelism off after a fork and
/// warning). So pools are kept per process id, and a child builds its own.
struct Pools {
    /// The process that built these pools.
    pid: u32,
    /// Pools by thread count.
    pools: Mutex<FxHashMap<usize, Arc<ThreadPool>>>,
}

/// The current process's [`Pools`]. A registry is never freed: the one a
/// child inherits may have its lock held by a parent thread that does not
/// exist in the child (it would never be released), and its pools' threads
/// are not there to be told to stop, so the child leaves it untouched and
/// swaps in its own (one small allocation per fork).
static POOLS: AtomicPtr<Pools> = AtomicPtr::new(std::ptr::null_mut());

/// This process's pools, made on first use in each process.
fn registry() -> &'static Pools {
    let pid = std::process::id();
    let current = POOLS.load(Ordering::Acquire);
    // SAFETY: a non-null pointer in POOLS came from `Box::leak` below and is
    // never freed, so it is valid for the rest of the process (and of any
    // child, which inherits the memory).
    if let Some(pools) = unsafe { current.as_ref() } {
        if pools.pid == pid {
            return pools;
        }
    }
    let fresh: &'static mut Pools = Box::leak(Box::new(Pools {
        pid,
        pools: Mutex::default(),
    }));
    let fresh_ptr: *mut Pools = fresh;
    match POOLS.compare_exchange(current, fresh_ptr, Ordering::AcqRel, Ordering::Acquire) {
        Ok(_) => fresh,
        // Another thread of this process won the race: use its registry (this
        // one leaks, once, as the loser of a race on first use).
        Err(winner) => {
            // SAFETY: as above, `winner` came from `Box::leak`.
            match unsafe { winner.as_ref() } {
                Some(pools) if pools.pid == pid => pools,
                _ => fresh,
            }
        }
    }
}

/// The pool of `threads` workers (0: one per core), built in this process.
pub fn pool(threads: usize) -> Result<Arc<ThreadPool>> {
    let threads = thread_count(threads);
    let mut pools = registry()
        .pools
        .lock()
        // A panic elsewhere while holding the lock cannot leave the map
        // half-updated: an insert is the only mutation.
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(pool) = pools.get(&threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map(Arc::new)
        .map_err(|e| Error::InvalidArgument(format!("cannot start {threads} threads: {e}")))?;
    pools.insert(threads, Arc::clone(&pool));
    Ok(pool)
}

/// `f` over `items` on `threads` workers (0: one per core), in order; on the
/// calling thread when one thread or one item leaves nothing to share.
pub fn parallel_map<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(usize, &T) -> Result<R> + Sync + Send,
) -> Result<Vec<R>> {
    // No more threads than items, as sentencepiece and tiktoken.
    let threads = thread_count(threads).min(items.len());
    if threads <= 1 {
        return items.iter().enumerate().map(|(i, x)| f(i, x)).collect();
    }
    pool(threads)?.install(|| items.par_iter().enumerate().map(|(i, x)| f(i, x)).collect())
}

/// `f` over `items` on `threads` threads (0: one per core), handing the
/// results to `sink` on the calling thread in order, a chunk at a time, as
/// soon as a chunk and all chunks before it are done. The calling thread is
/// one of the `threads`: between chunks of its own it hands over the finished
/// ones, so its serial work on the results (building Python objects) overlaps
/// the encoding, and no third thread takes turns with the workers on the
/// cores (a caller that only waited and built lists scaled 1.4x on two cores,
/// against 1.8x now). The first error in item order wins, as with a
/// sequential loop.
pub fn parallel_chunks_in_order<T: Sync, R: Send, E: From<Error>>(
    threads: usize,
    items: &[T],
    f: impl Fn(usize, &T) -> Result<R> + Sync + Send,
    mut sink: impl FnMut(Vec<R>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    // No more threads than items, as sentencepiece and tiktoken.
    let threads = thread_count(threads).min(items.len());
    if threads <= 1 {
        let out: Result<Vec<R>> = items.iter().enumerate().map(|(i, x)| f(i, x)).collect();
        return sink(out?);
    }
    let helpers = pool(threads - 1)?;
    // Many small chunks, claimed one at a time: whichever thread is free takes
    // the next, so the caller takes fewer while it builds results, and the
    // last chunk leaves the other threads idle only briefly.
    let chunk = items.len().div_ceil(threads * 32).max(1);
    let chunks = items.len().div_ceil(chunk);
    let claimed = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let claim = || {
        let c = claimed.fetch_add(1, Ordering::Relaxed);
        (c < chunks && !stop.load(Ordering::Relaxed)).then_some(c)
    };
    let run = |c: usize| -> Result<Vec<R>> {
        let first = c * chunk;
        let part = &items[first..(first + chunk).min(items.len())];
        part.iter()
            .enumerate()
            .map(|(i, x)| f(first + i, x))
            .collect()
    };
    let (done, arrived) = std::sync::mpsc::channel::<(usize, Result<Vec<R>>)>();
    helpers.in_place_scope(|scope| {
        for _ in 1..threads {
            let done = done.clone();
            scope.spawn(|_| {
                let done = done;
                while let Some(c) = claim() {
                    // The receiver is gone only when the caller has failed,
                    // and then no result is wanted.
                    if done.send((c, run(c))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done);
        let mut waiting: Vec<Option<Result<Vec<R>>>> = (0..chunks).map(|_| None).collect();
        let mut next = 0;
        let mut hand_over = || -> std::result::Result<(), E> {
            loop {
                while let Ok((c, out)) = arrived.try_recv() {
                    waiting[c] = Some(out);
                }
                while let Some(out) = waiting.get_mut(next).and_then(Option::take) {
                    sink(out?)?;
                    next += 1;
                }
                if next == chunks {
                    return Ok(());
                }
                if let Some(c) = claim() {
                    waiting[c] = Some(run(c));
                    continue;
                }
                // Every chunk is claimed: wait for the helpers' last ones. The
                // channel closes early only if a helper panicked, and the
                // scope then re-raises that panic.
                match arrived.recv() {
                    Ok((c, out)) => waiting[c] = Some(out),
                    Err(_) => return Ok(()),
                }
            }
        };
        let result = hand_over();
        stop.store(true, Ordering::Relaxed);
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parallel_map_keeps_order_and_reuses_pools() {
        let items: Vec<u32> = (0..1000).collect();
        let out = parallel_map(2, &items, |i, &x| Ok((i as u32, x * 2))).unwrap();
        assert_eq!(out, items.iter().map(|&x| (x, x * 2)).collect::<Vec<_>>());
        assert!(Arc::ptr_eq(&pool(3).unwrap(), &pool(3).unwrap()));
        assert_eq!(pool(3).unwrap().current_num_threads(), 3);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(Arc::ptr_eq(&pool(0).unwrap(), &pool(cores).unwrap()));
        assert_eq!(thread_count(1 << 31), MAX_THREADS);
    }

    #[test]
    fn chunks_arrive_in_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [0, 1, 2, 3] {
            let mut seen = Vec::new();
            let out: Result<()> = parallel_chunks_in_order(
                threads,
                &items,
                |i, &x| Ok(x * 2 + u32::from(i as u32 != x)),
                |chunk| {
                    seen.extend(chunk);
                    Ok(())
                },
            );
            assert!(out.is_ok());
            assert_eq!(seen, items.iter().map(|&x| x * 2).collect::<Vec<_>>());
            let failing: Result<()> = parallel_chunks_in_order(
                threads,
                &items,
                |_, &x| {
                    if x % 300 == 299 {
                        Err(Error::Encoding(format!("{x}")))
                    } else {
                        Ok(x)
                    }
                },
                |_| Ok(()),
            );
            assert!(matches!(failing, Err(Error::Encoding(m)) if m == "299"));
        }
    }

    #[test]
    fn an_error_in_any_item_fails_the_batch() {
        let items: Vec<u32> = (0..100).collect();
        let out = parallel_map(2, &items, |_, &x| {
            if x == 77 {
                Err(Error::Encoding(format!("{x}")))
            } else {
                Ok(x)
            }
        });
        assert!(matches!(out, Err(Error::Encoding(m)) if m == "77"));
    }
}
