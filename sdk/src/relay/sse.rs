//! Server-Sent Events as the relay's live stream sends them: `event:` and
//! `data:` lines, events separated by a blank line, comments (`:`) ignored.

/// One event: its name (`message` when unnamed) and its data lines joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field.
    pub event: String,
    /// The `data:` fields, joined by newlines.
    pub data: String,
    /// The `id:` field, if any.
    pub id: Option<String>,
}

/// Splits a byte stream, fed in chunks of any size, into events.
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
}

impl SseParser {
    /// Feeds `bytes`; returns every event they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some((end, separator)) = block_end(&self.buffer) {
            let block: Vec<u8> = self.buffer.drain(..end + separator).collect();
            if let Some(event) = parse_block(&String::from_utf8_lossy(&block[..end])) {
                events.push(event);
            }
        }
        events
    }

    /// Bytes received that do not yet form a whole event.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

/// Where the first blank line ends a block: its start and the separator's
/// length (`\n\n` or `\r\n\r\n`).
fn block_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = buffer.windows(2).position(|pair| pair == b"\n\n");
    let crlf = buffer.windows(4).position(|quad| quad == b"\r\n\r\n");
    match (lf, crlf) {
        (Some(lf), Some(crlf)) if crlf < lf => Some((crlf, 4)),
        (Some(lf), _) => Some((lf, 2)),
        (None, Some(crlf)) => Some((crlf, 4)),
        (None, None) => None,
    }
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let (mut event, mut data, mut id) = (None, Vec::new(), None);
    for line in block.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => event = Some(value.to_owned()),
            "data" => data.push(value.to_owned()),
            "id" => id = Some(value.to_owned()),
            _ => {} // comments (empty field name) and unknown fields
        }
    }
    if event.is_none() && data.is_empty() {
        return None;
    }
    Some(SseEvent {
        event: event.unwrap_or_else(|| "message".to_owned()),
        data: data.join("\n"),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_across_arbitrary_chunks() {
        let stream = b"event: envelope\nid: 1\ndata: {\"a\":1}\n\n: keep-alive\n\nevent: revoked\r\ndata: \r\n\r\n";
        for size in 1..stream.len() {
            let mut parser = SseParser::default();
            let events: Vec<_> = stream
                .chunks(size)
                .flat_map(|chunk| parser.push(chunk))
                .collect();
            assert_eq!(
                events,
                vec![
                    SseEvent {
                        event: "envelope".into(),
                        data: "{\"a\":1}".into(),
                        id: Some("1".into()),
                    },
                    SseEvent {
                        event: "revoked".into(),
                        data: String::new(),
                        id: None,
                    },
                ],
                "chunks of {size}"
            );
            assert_eq!(parser.pending(), 0);
        }
    }

    #[test]
    fn multi_line_data_is_joined_and_unnamed_events_are_messages() {
        let mut parser = SseParser::default();
        let events = parser.push(b"data: a\ndata: b\n\n");
        assert_eq!(events[0].event, "message");
        assert_eq!(events[0].data, "a\nb");
    }
}
