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
