//! A map that holds at most a fixed number of entries, forgetting the
//! oldest insertion first: the chain view's caches stay bounded however
//! many accounts, groups or channels callers ask about.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// At most `capacity` entries; inserting beyond evicts the oldest.
#[derive(Debug)]
pub struct Bounded<K, V> {
    capacity: usize,
    next: u64,
    entries: HashMap<K, (V, u64)>,
    /// Keys in insertion order, with the stamp they were inserted under (a
    /// stale stamp: removed or inserted again since).
    order: VecDeque<(K, u64)>,
}

impl<K: Hash + Eq + Clone, V> Bounded<K, V> {
    /// An empty map of at most `capacity` (≥ 1) entries.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            next: 0,
            entries: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The value of `key`, if held.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Holds `value` for `key`, evicting the oldest entry when full.
    pub fn insert(&mut self, key: K, value: V) {
        let stamp = self.next;
        self.next += 1;
        self.entries.insert(key.clone(), (value, stamp));
        self.order.push_back((key, stamp));
        while self.entries.len() > self.capacity {
            let Some((oldest, stamp)) = self.order.pop_front() else {
                break;
            };
            if self
                .entries
                .get(&oldest)
                .is_some_and(|(_, held)| *held == stamp)
            {
                self.entries.remove(&oldest);
            }
        }
        if self.order.len() > 2 * self.capacity {
            self.compact();
        }
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &K) {
        self.entries.remove(key);
    }

    /// Keeps only the entries `keep` says to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.entries.retain(|key, (value, _)| keep(key, value));
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Drops the stale stamps from the insertion order.
    fn compact(&mut self) {
        let entries = &self.entries;
        self.order
            .retain(|(key, stamp)| entries.get(key).is_some_and(|(_, held)| held == stamp));
    }
}

#[cfg(test)]
mod tests {
    use super::Bounded;

    #[test]
    fn the_oldest_insertion_goes_first_and_the_size_never_passes_the_capacity() {
        let mut map = Bounded::new(3);
        for n in 0..10u32 {
            map.insert(n, n * 10);
            assert!(map.len() <= 3);
        }
        assert_eq!(
            (map.get(&6), map.get(&7), map.get(&9)),
            (None, Some(&70), Some(&90))
        );
        // Inserting a held key again makes it the newest.
        map.insert(7, 71);
        map.insert(10, 100);
        assert_eq!((map.get(&8), map.get(&7)), (None, Some(&71)));
        // Removed keys leave no trace in what is evicted next.
        map.remove(&9);
        map.insert(11, 110);
        assert_eq!(map.len(), 3);
        assert_eq!(map.get(&7), Some(&71));
        for n in 0..1000u32 {
            map.remove(&n);
            map.insert(n, n);
        }
        assert!(map.order.len() <= 2 * 3 + 1, "{}", map.order.len());
    }
}
