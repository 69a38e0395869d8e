//! Worker pools for batch calls. The pool of each requested size is built on
//! first use and kept: building one spawns its threads on every call
//! otherwise, and a kept pool's threads keep their scratch buffers and merge
//! memos warm from one batch to the next.

use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};

/// The pool of `threads` workers (0: one per core).
pub fn pool(threads: usize) -> Result<Arc<ThreadPool>> {
    static POOLS: OnceLock<Mutex<FxHashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS
        .get_or_init(Default::default)
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

/// Runs `f` in the pool of `threads` workers (rayon's global pool when
/// `None`).
pub fn in_pool<R: Send>(threads: Option<usize>, f: impl FnOnce() -> R + Send) -> Result<R> {
    match threads {
        None => Ok(f()),
        Some(n) => Ok(pool(n.max(1))?.install(f)),
    }
}

/// `f` over `items` on `threads` workers (0: one per core), in order; on the
/// calling thread when one thread or one item leaves nothing to share.
pub fn parallel_map<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(usize, &T) -> Result<R> + Sync + Send,
) -> Result<Vec<R>> {
    if threads == 1 || items.len() <= 1 {
        return items.iter().enumerate().map(|(i, x)| f(i, x)).collect();
    }
    pool(threads)?.install(|| items.par_iter().enumerate().map(|(i, x)| f(i, x)).collect())
}

/// `f` over `items` on `threads` workers (0: one per core), handing the
/// results to `sink` on the calling thread in order, a chunk at a time, as
/// soon as a chunk and all chunks before it are done. The caller's own serial
/// work on the results (building Python objects, about a tenth of a
/// tiktoken batch) then overlaps the encoding instead of following it. The
/// first error in item order wins, as with a sequential loop.
pub fn parallel_chunks_in_order<T: Sync, R: Send, E: From<Error>>(
    threads: usize,
    items: &[T],
    f: impl Fn(usize, &T) -> Result<R> + Sync + Send,
    mut sink: impl FnMut(Vec<R>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    if threads == 1 || items.len() <= 1 {
        let out: Result<Vec<R>> = items.iter().enumerate().map(|(i, x)| f(i, x)).collect();
        return sink(out?);
    }
    let pool = pool(threads)?;
    // Several chunks per worker, so the workers stay busy while the caller
    // works through the first results and the last chunk is short.
    let chunk = items.len().div_ceil(pool.current_num_threads() * 8).max(1);
    let chunks = items.len().div_ceil(chunk);
    let (done, arrived) = std::sync::mpsc::channel::<(usize, Result<Vec<R>>)>();
    pool.in_place_scope(|scope| {
        for (c, part) in items.chunks(chunk).enumerate() {
            let done = done.clone();
            let f = &f;
            scope.spawn(move |_| {
                // The receiver is gone only when the caller has already
                // failed, and then this result is not wanted.
                let first = c * chunk;
                let out = part.iter().enumerate().map(|(i, x)| f(first + i, x));
                let _ = done.send((c, out.collect()));
            });
        }
        drop(done);
        let mut waiting: Vec<Option<Result<Vec<R>>>> = (0..chunks).map(|_| None).collect();
        let mut next = 0;
        for (c, out) in arrived {
            if let Some(slot) = waiting.get_mut(c) {
                *slot = Some(out);
            }
            while let Some(out) = waiting.get_mut(next).and_then(Option::take) {
                sink(out?)?;
                next += 1;
            }
        }
        Ok(())
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
    }

    #[test]
    fn chunks_arrive_in_order_and_the_first_error_wins() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3] {
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
