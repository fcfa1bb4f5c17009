//! The built web UI as static files: `GET /` is `index.html`, assets come from below it.
//!
//! tower-http's `ServeDir` rejects `..` and absolute paths, so nothing outside the directory
//! can be read, and it sets MIME types, which browsers insist on for module scripts.

use std::path::Path;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeader;

/// Checks that `dir` looks like a built UI, so a wrong `--ui` fails at start with a reason
/// instead of serving 404s.
pub(crate) fn check_dir(dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err("it is not a directory".into());
    }
    if !dir.join("index.html").is_file() {
        return Err("it has no index.html".into());
    }
    Ok(())
}

/// The static file service for `dir`.
///
/// `no-cache` makes browsers revalidate, so a rebuilt UI shows at the next reload; Vite's
/// hashed asset names keep that cheap.
pub(crate) fn files(dir: &Path) -> SetResponseHeader<ServeDir, axum::http::HeaderValue> {
    SetResponseHeader::overriding(
        ServeDir::new(dir).append_index_html_on_directories(true),
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-cache"),
    )
}
