//! The small JSON files the CLI keeps under its home (postage ledgers,
//! sent-message logs, relay pins): read if present, replaced whole and
//! durably (written aside, synced, renamed), so a crash leaves the old or
//! the new content, never half of one.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The value in `path`, or `None` if there is no such file. The error is a
/// reason for the caller to put in its own message.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| error.to_string()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.to_string()),
    }
}

/// Replaces `path` with `value` as JSON, creating its directory.
pub fn write<T: Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let temporary = path.with_extension("json.new");
    let write = || -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let file = std::fs::File::create(&temporary)?;
        std::io::Write::write_all(&mut &file, text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|error| error.to_string())
}
