//! Whether a relay served a conversation whole and in order: every envelope
//! names its place in its sender's chain ([`SenderChain`]: a number and the
//! previous message's id), and a reader who follows each sender's chain
//! notices a message withheld, reordered, replayed or forked. A relay can
//! still withhold a sender's latest messages; the next one shows the gap.

use std::collections::HashMap;

use serde::Serialize;

use crate::envelope::SenderChain;
use crate::ids::{AccountId, MessageId};

/// How one message fits its sender's chain as read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Continuity {
    /// It follows the sender's previous message as read (or is the
    /// sender's first).
    InOrder,
    /// The sender's first message in what was read, when reading began in
    /// the middle: nothing to check it against.
    Unchecked,
    /// `missing` messages of this sender before it were not served:
    /// withheld by the relay, or expired.
    Missing {
        /// How many.
        missing: u64,
    },
    /// It does not continue the chain as read: it comes after a later (or
    /// the same) message of its sender, or names another previous message
    /// — reordered, replayed, or the sender forked its chain.
    OutOfOrder,
}

/// A reader's view of every sender's chain in one conversation.
#[derive(Debug, Clone, Default)]
pub struct SenderChains {
    from_start: bool,
    last: HashMap<AccountId, (u64, MessageId)>,
}

impl SenderChains {
    /// A view for reading from the conversation's start (`from_start`:
    /// then a sender's first message read must be its first sent) or from
    /// the middle.
    pub fn new(from_start: bool) -> Self {
        Self {
            from_start,
            last: HashMap::new(),
        }
    }

    /// Takes in the next message read: `id`, signed by `sender` at `chain`.
    pub fn observe(&mut self, sender: AccountId, chain: SenderChain, id: MessageId) -> Continuity {
        let continuity = match self.last.get(&sender) {
            None if chain == SenderChain::FIRST => Continuity::InOrder,
            None if self.from_start => Continuity::Missing {
                missing: chain.seq.saturating_sub(1),
            },
            None => Continuity::Unchecked,
            Some(&(seq, _)) if chain.seq <= seq => return Continuity::OutOfOrder,
            Some(&(seq, previous)) if chain.seq == seq + 1 => {
                if chain.previous == previous {
                    Continuity::InOrder
                } else {
                    Continuity::OutOfOrder
                }
            }
            Some(&(seq, _)) => Continuity::Missing {
                missing: chain.seq - seq - 1,
            },
        };
        self.last.insert(sender, (chain.seq, id));
        continuity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: u64) -> (Vec<MessageId>, Vec<SenderChain>) {
        let ids: Vec<_> = (1..=n).map(|i| MessageId([i as u8; 32])).collect();
        let mut chains = vec![SenderChain::FIRST];
        for i in 1..n as usize {
            chains.push(chains[i - 1].next(ids[i - 1]));
        }
        (ids, chains)
    }

    #[test]
    fn a_whole_chain_is_in_order() {
        let (ids, chains) = chain(3);
        let mut seen = SenderChains::new(true);
        for i in 0..3 {
            assert_eq!(
                seen.observe(AccountId([1; 32]), chains[i], ids[i]),
                Continuity::InOrder
            );
        }
    }

    #[test]
    fn withheld_reordered_and_replayed_messages_show() {
        let alice = AccountId([1; 32]);
        let (ids, chains) = chain(5);
        let mut seen = SenderChains::new(true);
        // #2 withheld from the start: #1 was never served.
        assert_eq!(
            seen.observe(alice, chains[1], ids[1]),
            Continuity::Missing { missing: 1 }
        );
        // #4 before #3: one missing so far.
        assert_eq!(
            seen.observe(alice, chains[3], ids[3]),
            Continuity::Missing { missing: 1 }
        );
        // #3 after #4, and #4 again: out of order.
        assert_eq!(
            seen.observe(alice, chains[2], ids[2]),
            Continuity::OutOfOrder
        );
        assert_eq!(
            seen.observe(alice, chains[3], ids[3]),
            Continuity::OutOfOrder
        );
        // #5 still continues #4.
        assert_eq!(seen.observe(alice, chains[4], ids[4]), Continuity::InOrder);
    }

    #[test]
    fn a_fork_and_a_middle_start() {
        let bob = AccountId([2; 32]);
        let (ids, chains) = chain(3);
        let mut seen = SenderChains::new(false);
        assert_eq!(seen.observe(bob, chains[1], ids[1]), Continuity::Unchecked);
        // Another #3 than the one that follows this #2.
        let forked = SenderChain {
            seq: 3,
            previous: MessageId([9; 32]),
        };
        assert_eq!(seen.observe(bob, forked, ids[2]), Continuity::OutOfOrder);
    }
}
