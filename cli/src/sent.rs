//! The last message this machine sent in each conversation, so the next
//! one continues the sender's chain (`inkpost_sdk::envelope::SenderChain`):
//! `<home>/sent/<account>-<conversation>.json`. A machine that has none
//! continues after the caller's latest message the relay holds (signed by
//! the caller, so the relay cannot pass off another's).

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
}

impl SentLog {
    /// The record of `sender` in `conversation` under `home`.
    pub fn new(home: &Path, sender: &AccountId, conversation: &ConversationId) -> Self {
        let name = format!("{}-{conversation}.json", hex::encode(&sender.0[..8]));
        Self {
            path: home.join("sent").join(name),
        }
    }

    /// Where the next message goes in the chain, if this machine sent here.
    pub fn next(&self) -> Result<Option<SenderChain>, CliError> {
        let last: Option<Last> = state_file::read(&self.path).map_err(|e| self.failed(e))?;
        Ok(last.map(|last| {
            SenderChain {
                seq: last.seq,
                previous: MessageId([0; 32]),
            }
            .next(last.id)
        }))
    }

    /// Records that the message `id` at `chain` was stored by the relay.
    pub fn record(&self, chain: SenderChain, id: MessageId) -> Result<(), CliError> {
        state_file::write(&self.path, &Last { seq: chain.seq, id })
            .map_err(|error| self.failed(error))
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
        assert_eq!(log.next().unwrap(), None);
        log.record(SenderChain::FIRST, MessageId([1; 32])).unwrap();
        assert_eq!(
            log.next().unwrap(),
            Some(SenderChain {
                seq: 2,
                previous: MessageId([1; 32])
            })
        );
        let direct = ConversationId::Direct(DirectId::between(&me, &AccountId([4; 32])));
        assert_eq!(SentLog::new(&home, &me, &direct).next().unwrap(), None);
        let _ = std::fs::remove_dir_all(&home);
    }
}
