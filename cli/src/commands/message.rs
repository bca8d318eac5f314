//! `inkpost send`, `read` and `verify`.

use std::io::Write;

use inkpost_sdk::continuity::Continuity;
use inkpost_sdk::ids::{ChannelId, GroupId};
use serde_json::json;

use super::{emit, parse_message_id, parse_tokens, tokens};
use crate::context::Context;
use crate::conversation::{self, Body, Conversation, ReadMessage, Reading, Target};
use crate::error::CliError;
use crate::postage::Postage;
use crate::terminal::safe;

/// Who a message goes to or a conversation is with.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct TargetOpts {
    /// A direct conversation with this handle.
    #[arg(long = "to", alias = "with")]
    pub handle: Option<String>,
    /// A group, by id.
    #[arg(long)]
    pub group: Option<u64>,
}

impl TargetOpts {
    fn target(&self) -> Target {
        match (&self.handle, self.group) {
            (Some(handle), _) => Target::Handle(handle.clone()),
            (None, Some(group)) => Target::Group(GroupId(group)),
            // clap requires exactly one of the two.
            (None, None) => Target::Group(GroupId(0)),
        }
    }
}

/// Options of `send`.
#[derive(Debug, clap::Args)]
pub struct SendOpts {
    /// Where to: `--to <handle>` or `--group <id>`.
    #[command(flatten)]
    pub target: TargetOpts,
    /// The message text.
    pub text: String,
    /// Pay the relay's postage (if it charges any) from this escrow
    /// channel: one you opened to the relay's payee address (`GET
    /// /v1/postage` on the relay names it).
    #[arg(long, value_name = "CHANNEL")]
    pub postage: Option<u64>,
    /// The most postage you accept per message, in tokens: a relay asking
    /// more is refused before anything is signed.
    #[arg(long, value_name = "TOKENS", default_value = "0.01", value_parser = parse_tokens)]
    pub max_postage: u128,
}

/// Options of `read`.
#[derive(Debug, clap::Args)]
pub struct ReadOpts {
    /// Which conversation: `--to <handle>` (or `--with`) or `--group <id>`.
    #[command(flatten)]
    pub target: TargetOpts,
    /// Only messages after this sequence number.
    #[arg(long, default_value_t = 0)]
    pub after: u64,
    /// Keep streaming new messages until interrupted (or access is revoked).
    #[arg(long)]
    pub follow: bool,
}

/// Options of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyOpts {
    /// The message id (0x hex).
    pub message: String,
    /// Wait up to this many seconds for the message to be anchored.
    #[arg(long, default_value_t = 0)]
    pub wait: u64,
}

/// Runs `send`.
pub async fn send(ctx: &Context, opts: SendOpts, out: &mut impl Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let postage = opts.postage.map(|channel| Postage {
        channel: ChannelId(channel),
        cap: opts.max_postage,
    });
    let conversation = Conversation::resolve(ctx, &me, &opts.target.target()).await?;
    let sent = conversation::send(ctx, &me, &conversation, &opts.text, postage).await?;
    emit(ctx, out, &sent, |out| {
        let receipt = &sent.receipt;
        writeln!(
            out,
            "sent {} as #{} in {} (encrypted to {}, receipt signed by the relay)",
            receipt.message_id, receipt.seq, receipt.conversation, sent.recipients
        )?;
        if !sent.skipped.is_empty() {
            writeln!(
                out,
                "  not encrypted to {} (their registered key cannot be used; they should \
                 rotate it: `inkpost id rotate-key`)",
                sent.skipped.join(", ")
            )?;
        }
        if let Some(paid) = &sent.postage {
            writeln!(
                out,
                "  postage: channel {} now promises the relay {} in total",
                paid.channel.0,
                tokens(paid.cumulative)
            )?;
        }
        Ok(())
    })
}

/// Runs `read`.
pub async fn read(ctx: &Context, opts: ReadOpts, out: &mut impl Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let conversation = Conversation::resolve(ctx, &me, &opts.target.target()).await?;
    let mut reading = Reading::new(&conversation, opts.after);
    let messages = conversation::read(ctx, &me, &conversation, opts.after, &mut reading).await?;
    let mut last = opts.after;
    if ctx.opts.json && !opts.follow {
        emit(ctx, out, &messages, |_| Ok(()))?;
    } else {
        for message in &messages {
            print_message(ctx, out, message)?;
            last = message.seq;
        }
        if messages.is_empty() && !opts.follow && !ctx.opts.json {
            writeln!(out, "no messages")?;
        }
    }
    if !opts.follow {
        return Ok(());
    }
    ctx.progress("following; new messages appear as they arrive (Ctrl-C stops)");
    let mut failure = None;
    let still_member =
        conversation::follow(ctx, &me, &conversation, last, &mut reading, |message| {
            match print_message(ctx, out, &message) {
                Ok(()) => true,
                Err(error) => {
                    failure = Some(error);
                    false
                }
            }
        })
        .await?;
    if let Some(error) = failure {
        return Err(error);
    }
    if !still_member {
        return Err(CliError::Unauthorized(format!(
            "you can no longer read {}: your access was revoked on chain",
            conversation.id
        )));
    }
    Ok(())
}

fn print_message(
    ctx: &Context,
    out: &mut impl Write,
    message: &ReadMessage,
) -> Result<(), CliError> {
    if ctx.opts.json {
        let text =
            serde_json::to_string(message).map_err(|error| CliError::Failed(error.to_string()))?;
        writeln!(out, "{text}")?;
        return Ok(());
    }
    let sender = message
        .sender_handle
        .clone()
        .unwrap_or_else(|| short(&message.sender.to_string()));
    match &message.body {
        Body::Text(text) => writeln!(out, "#{:<4} {sender}: {}", message.seq, safe(text))?,
        Body::NotForMe => writeln!(out, "#{:<4} {sender}: (not encrypted to you)", message.seq)?,
        Body::Invalid(reason) => writeln!(
            out,
            "#{:<4} {sender}: REJECTED {} — {}",
            message.seq,
            message.id,
            safe(reason)
        )?,
    }
    match message.continuity {
        Continuity::InOrder | Continuity::Unchecked => {}
        Continuity::Missing { missing } => writeln!(
            out,
            "      ! {missing} earlier message(s) from {sender} were not served: withheld by the \
             relay, or expired"
        )?,
        Continuity::OutOfOrder => writeln!(
            out,
            "      ! out of order: {sender}'s messages were reordered or repeated by the relay, or \
             their chain forked"
        )?,
    }
    out.flush()?;
    Ok(())
}

/// Unix seconds as a UTC date and time (proleptic Gregorian calendar).
fn utc(seconds: u64) -> String {
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

fn short(hex: &str) -> String {
    if hex.len() > 12 {
        format!("{}…{}", &hex[..6], &hex[hex.len() - 4..])
    } else {
        hex.to_owned()
    }
}

/// Runs `verify`.
pub async fn verify(ctx: &Context, opts: VerifyOpts, out: &mut impl Write) -> Result<(), CliError> {
    let id = parse_message_id(&opts.message)?;
    let me = ctx.me()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(opts.wait);
    let mut verified = crate::verify::verify(ctx, &me, &id).await?;
    if verified.is_none() && opts.wait > 0 {
        ctx.progress(&format!(
            "waiting up to {} s for the relay to anchor {id}",
            opts.wait
        ));
    }
    while verified.is_none() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        verified = crate::verify::verify(ctx, &me, &id).await?;
    }
    match verified {
        None => {
            let value = json!({"id": id, "status": "pending"});
            emit(ctx, out, &value, |out| {
                writeln!(
                    out,
                    "{id} is not anchored yet; the relay anchors a batch about every second, try again"
                )
            })?;
            Err(CliError::NotFound(format!("{id} is not anchored yet")))
        }
        Some(verified) => emit(ctx, out, &verified, |out| {
            writeln!(out, "{id} is anchored on chain")?;
            writeln!(
                out,
                "  root      {} ({} messages)",
                verified.root, verified.leaf_count
            )?;
            writeln!(
                out,
                "  block     {} at {}",
                verified.block,
                utc(verified.timestamp)
            )?;
            writeln!(
                out,
                "  anchored  by {} as batch {}",
                verified.submitter,
                verified
                    .batch_seq
                    .map_or_else(|| "-".to_owned(), |seq| seq.to_string())
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::utc;

    #[test]
    fn unix_seconds_print_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_495_891), "2026-11-24 04:51:31 UTC");
        assert_eq!(utc(4_107_542_399), "2100-02-28 23:59:59 UTC");
    }
}
