//! How many live streams are open: at most so many per identity and in
//! total, so that nobody holds the relay's connections and polling loops.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use inkpost_sdk::ids::AccountId;

/// The open streams, counted per identity.
#[derive(Debug, Default)]
pub struct StreamSlots {
    open: Mutex<(usize, HashMap<AccountId, usize>)>,
}

/// One open stream's place; giving it back (on drop) frees it.
#[derive(Debug)]
pub struct StreamSlot {
    slots: Arc<StreamSlots>,
    reader: AccountId,
}

/// Why a stream cannot open now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// The reader has `limit` streams open already.
    Reader(usize),
    /// The relay has `limit` streams open already.
    Relay(usize),
}

impl StreamSlots {
    /// A place for one more stream of `reader`, under `per_reader` and
    /// `total`.
    pub fn take(
        self: &Arc<Self>,
        reader: AccountId,
        per_reader: usize,
        total: usize,
    ) -> Result<StreamSlot, Full> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (all, by_reader) = &mut *open;
        if *all >= total {
            return Err(Full::Relay(total));
        }
        let mine = by_reader.entry(reader).or_default();
        if *mine >= per_reader {
            return Err(Full::Reader(per_reader));
        }
        *mine += 1;
        *all += 1;
        Ok(StreamSlot {
            slots: self.clone(),
            reader,
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self
            .slots
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (all, by_reader) = &mut *open;
        *all = all.saturating_sub(1);
        if let Some(mine) = by_reader.get_mut(&self.reader) {
            *mine -= 1;
            if *mine == 0 {
                by_reader.remove(&self.reader);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_counted_per_reader_and_in_total_and_freed_on_drop() {
        let slots = Arc::new(StreamSlots::default());
        let (alice, bob) = (AccountId([1; 32]), AccountId([2; 32]));
        let first = slots.take(alice, 2, 3).unwrap();
        let _second = slots.take(alice, 2, 3).unwrap();
        assert_eq!(slots.take(alice, 2, 3).unwrap_err(), Full::Reader(2));
        let _bobs = slots.take(bob, 2, 3).unwrap();
        assert_eq!(slots.take(bob, 2, 3).unwrap_err(), Full::Relay(3));
        drop(first);
        assert!(slots.take(alice, 2, 3).is_ok());
    }
}
