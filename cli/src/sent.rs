//! The last message this machine sent in each conversation, so the next
//! one continues the sender's chain (`inkpost_sdk::envelope::SenderChain`):
//! `<home>/sent/<account>-<conversation>.json`. A machine that has none
//! continues after the caller's latest message the relay holds (signed by
//! the caller, so the relay cannot pass off another's).
//!
//! A message is recorded as pending before it is submitted and as stored
//! once the relay's receipt holds. After a send whose answer was lost, the
//! next send asks the relay for the pending message: stored, the chain
//! continues after it; not there, the new message takes its place.

use std::path::{Path, PathBuf};

use inkpost_sdk::envelope::SenderChain;
use inkpost_sdk::ids::{AccountId, ConversationId, MessageId};
use serde::{Deserialize, Serialize};

use crate::error::CliError;
use crate::state_file;

/// One sender's record for one conversation.
#[derive(Debug)]
pub struct SentLog {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Last {
    seq: u64,
    id: MessageId,
    /// The message before it in the chain (zeros in files of older
    /// versions, which recorded stored messages only).
    #[serde(default = "no_message")]
    previous: MessageId,
    /// Submitted, but no receipt seen.
    #[serde(default)]
    pending: bool,
}

fn no_message() -> MessageId {
    MessageId([0; 32])
}

/// Where this machine's chain stands in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Nothing sent from here: continue after the relay's latest.
    Unknown,
    /// The next message goes here.
    Next(SenderChain),
    /// Message `id` at `chain` was submitted but its receipt never came:
    /// the next goes after it if the relay holds it, else in its place.
    Pending {
        /// Its place in the chain.
        chain: SenderChain,
        /// Its id.
        id: MessageId,
    },
}

impl SentLog {
    /// The record of `sender` in `conversation` under `home`.
    pub fn new(home: &Path, sender: &AccountId, conversation: &ConversationId) -> Self {
        let name = format!("{}-{conversation}.json", hex::encode(&sender.0[..8]));
        Self {
            path: home.join("sent").join(name),
        }
    }

    /// Where the next message goes in the chain.
    pub fn position(&self) -> Result<Position, CliError> {
        let last: Option<Last> = state_file::read(&self.path).map_err(|e| self.failed(e))?;
        Ok(match last {
            None => Position::Unknown,
            Some(last) => {
                let chain = SenderChain {
                    seq: last.seq,
                    previous: last.previous,
                };
                if last.pending {
                    Position::Pending { chain, id: last.id }
                } else {
                    Position::Next(chain.next(last.id))
                }
            }
        })
    }

    /// Records that the message `id` at `chain` is about to be submitted.
    pub fn pending(&self, chain: SenderChain, id: MessageId) -> Result<(), CliError> {
        self.write(chain, id, true)
    }

    /// Records that the message `id` at `chain` was stored by the relay.
    pub fn record(&self, chain: SenderChain, id: MessageId) -> Result<(), CliError> {
        self.write(chain, id, false)
    }

    fn write(&self, chain: SenderChain, id: MessageId, pending: bool) -> Result<(), CliError> {
        let last = Last {
            seq: chain.seq,
            id,
            previous: chain.previous,
            pending,
        };
        state_file::write(&self.path, &last).map_err(|error| self.failed(error))
    }

    fn failed(&self, error: impl std::fmt::Display) -> CliError {
        CliError::Failed(format!(
            "sent-message log {}: {error}; remove it and the next message continues after \
             your latest one on the relay",
            self.path.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkpost_sdk::ids::{DirectId, GroupId};

    #[test]
    fn the_next_message_continues_after_the_last_recorded() {
        let home = std::env::temp_dir().join(format!("inkpost-sent-{}", std::process::id()));
        let me = AccountId([3; 32]);
        let group = ConversationId::Group(GroupId(5));
        let log = SentLog::new(&home, &me, &group);
        assert_eq!(log.position().unwrap(), Position::Unknown);
        log.record(SenderChain::FIRST, MessageId([1; 32])).unwrap();
        let second = SenderChain {
            seq: 2,
            previous: MessageId([1; 32]),
        };
        assert_eq!(log.position().unwrap(), Position::Next(second));
        // A submitted message without a receipt stays pending, in its place
        log.pending(second, MessageId([2; 32])).unwrap();
        assert_eq!(
            log.position().unwrap(),
            Position::Pending {
                chain: second,
                id: MessageId([2; 32])
            }
        );
        let direct = ConversationId::Direct(DirectId::between(&me, &AccountId([4; 32])));
        assert_eq!(
            SentLog::new(&home, &me, &direct).position().unwrap(),
            Position::Unknown
        );
        let _ = std::fs::remove_dir_all(&home);
    }
}
