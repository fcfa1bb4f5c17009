//! The two files through which a CLI finds the running daemon: `control-token` and
//! `control.json`, both in the data directory.
//!
//! Both are written to a temporary name and renamed into place, so a reader never sees a
//! half-written file. The token is written before the endpoint file: whoever sees an
//! endpoint can also read a matching token.

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Name of the token file inside the data directory.
pub const TOKEN_FILE: &str = "control-token";
/// Name of the endpoint file inside the data directory.
pub const ENDPOINT_FILE: &str = "control.json";

/// What `control.json` holds: where the daemon listens and which process it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoint {
    /// Base URL of the control API, e.g. `http://127.0.0.1:40123`.
    pub url: String,
    /// Process id of the daemon, so a user can tell which process owns the API.
    pub pid: u32,
}

/// The web UI's address for a daemon at `base_url`: the token rides in the fragment, which the
/// page reads and the browser never sends to the server (so it stays out of request logs).
pub fn ui_url(base_url: &str, token: &str) -> String {
    format!("{}/#token={token}", base_url.trim_end_matches('/'))
}

/// Path of the token file for a data directory.
pub fn token_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TOKEN_FILE)
}

/// Path of the endpoint file for a data directory.
pub fn endpoint_path(data_dir: &Path) -> PathBuf {
    data_dir.join(ENDPOINT_FILE)
}

/// A fresh random token: 32 bytes from the OS generator, as 64 lowercase hex digits.
pub fn new_token() -> io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| io::Error::other(format!("the OS random generator failed: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes the token file, readable by the owner only (mode 0600 on Unix).
pub fn write_token(data_dir: &Path, token: &str) -> io::Result<()> {
    write_private(&token_path(data_dir), token.as_bytes())
}

/// Writes `control.json`.
pub fn write_endpoint(data_dir: &Path, endpoint: &Endpoint) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(endpoint).map_err(io::Error::other)?;
    write_private(&endpoint_path(data_dir), &json)
}

/// Reads `control.json`; `Ok(None)` when it does not exist (no daemon running).
pub fn read_endpoint(data_dir: &Path) -> io::Result<Option<Endpoint>> {
    let path = endpoint_path(data_dir);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not a valid endpoint file: {e}", path.display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Reads the token file, trimmed of surrounding whitespace.
pub fn read_token(data_dir: &Path) -> io::Result<String> {
    Ok(fs::read_to_string(token_path(data_dir))?.trim().to_owned())
}

/// Removes `control.json` and `control-token` if they still describe `ours`.
///
/// A second daemon started on the same data directory overwrites both files; the first one
/// must not delete the second one's files when it stops.
pub fn remove_if_ours(data_dir: &Path, ours: &Endpoint) -> io::Result<()> {
    match read_endpoint(data_dir) {
        Ok(Some(current)) if current == *ours => {
            remove_missing_ok(&endpoint_path(data_dir))?;
            remove_missing_ok(&token_path(data_dir))
        }
        Ok(_) => Ok(()),
        // An unreadable file is not ours to judge; leave it.
        Err(_) => Ok(()),
    }
}

fn remove_missing_ok(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Writes `contents` to `path` via a private temporary file and an atomic rename.
fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[cfg(unix)]
    #[test]
    fn token_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("fd-ctl-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        write_token(&dir, "abc").unwrap();
        let mode = fs::metadata(token_path(&dir)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read_token(&dir).unwrap(), "abc");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn only_our_own_files_are_removed() {
        let dir = std::env::temp_dir().join(format!("fd-ctl-remove-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let ours = Endpoint {
            url: "http://127.0.0.1:1".into(),
            pid: 1,
        };
        let theirs = Endpoint {
            url: "http://127.0.0.1:2".into(),
            pid: 2,
        };
        write_endpoint(&dir, &theirs).unwrap();
        remove_if_ours(&dir, &ours).unwrap();
        assert_eq!(read_endpoint(&dir).unwrap(), Some(theirs));
        write_endpoint(&dir, &ours).unwrap();
        remove_if_ours(&dir, &ours).unwrap();
        assert_eq!(read_endpoint(&dir).unwrap(), None);
        fs::remove_dir_all(&dir).unwrap();
    }
}
