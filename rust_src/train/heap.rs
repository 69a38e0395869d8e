//! A binary max-heap ordered by a comparator the caller passes to each call.
//!
//! Merge learners order candidate pairs by score, then count, then the pair's
//! strings; the strings live in the learner's symbol table, so the order
//! cannot be an `Ord` on the entry alone (storing the strings in every entry
//! would double the entry size for a tie-break that rarely runs). Entries go
//! stale as counts change; the learner checks each popped entry against the
//! current counts (lazy invalidation) instead of updating entries in place.

use std::cmp::Ordering;

/// Max-heap of `T` under a comparator supplied per call. Every call must pass
/// the same total order, or the heap property is lost.
pub(crate) struct Heap<T> {
    items: Vec<T>,
}

impl<T> Heap<T> {
    /// An empty heap.
    pub(crate) fn new() -> Self {
        Heap { items: Vec::new() }
    }

    /// A heap holding `items`, built in linear time.
    pub(crate) fn from_vec<F>(items: Vec<T>, cmp: &F) -> Self
    where
        F: Fn(&T, &T) -> Ordering,
    {
        let mut heap = Heap { items };
        for i in (0..heap.items.len() / 2).rev() {
            heap.sift_down(i, cmp);
        }
        heap
    }

    /// Number of entries, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Adds `item`.
    pub(crate) fn push<F>(&mut self, item: T, cmp: &F)
    where
        F: Fn(&T, &T) -> Ordering,
    {
        self.items.push(item);
        let mut i = self.items.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if cmp(&self.items[i], &self.items[parent]) != Ordering::Greater {
                break;
            }
            self.items.swap(i, parent);
            i = parent;
        }
    }

    /// Removes and returns the greatest entry.
    pub(crate) fn pop<F>(&mut self, cmp: &F) -> Option<T>
    where
        F: Fn(&T, &T) -> Ordering,
    {
        let last = self.items.len().checked_sub(1)?;
        self.items.swap(0, last);
        let top = self.items.pop();
        self.sift_down(0, cmp);
        top
    }

    fn sift_down<F>(&mut self, mut i: usize, cmp: &F)
    where
        F: Fn(&T, &T) -> Ordering,
    {
        let n = self.items.len();
        loop {
            let left = 2 * i + 1;
            if left >= n {
                return;
            }
            let right = left + 1;
            let child =
                if right < n && cmp(&self.items[right], &self.items[left]) == Ordering::Greater {
                    right
                } else {
                    left
                };
            if cmp(&self.items[child], &self.items[i]) != Ordering::Greater {
                return;
            }
            self.items.swap(i, child);
            i = child;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;

    #[test]
    fn pops_in_descending_order_under_the_given_comparator() {
        let cmp = |a: &(u32, &str), b: &(u32, &str)| a.0.cmp(&b.0).then_with(|| b.1.cmp(a.1));
        let mut heap = Heap::from_vec(vec![(3, "b"), (1, "z"), (3, "a"), (2, "q")], &cmp);
        heap.push((5, "x"), &cmp);
        heap.push((0, "y"), &cmp);
        assert_eq!(heap.len(), 6);
        let mut out = Vec::new();
        while let Some(item) = heap.pop(&cmp) {
            out.push(item);
        }
        assert_eq!(
            out,
            vec![(5, "x"), (3, "a"), (3, "b"), (2, "q"), (1, "z"), (0, "y")]
        );
    }

    #[test]
    fn matches_a_sort_on_many_items() {
        let cmp = |a: &u64, b: &u64| a.cmp(b);
        let mut rng = Rng::new(12345);
        let mut values = Vec::new();
        for _ in 0..1000 {
            values.push(rng.next_u64() >> 40);
        }
        let mut heap = Heap::from_vec(values[..500].to_vec(), &cmp);
        for &v in &values[500..] {
            heap.push(v, &cmp);
        }
        let mut out = Vec::new();
        while let Some(v) = heap.pop(&cmp) {
            out.push(v);
        }
        values.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(out, values);
    }
}
