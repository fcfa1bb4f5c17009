//! Installing a model: the expected digest, a resumable streamed download into
//! `ggml-<name>.bin.part`, the SHA-256 and ggml header checks, and the rename into place.

use crate::catalogue::file_name;
use crate::digest::{Sha256Digest, Sha256Sums, SHA256SUMS};
use crate::installed::part_path;
use crate::ModelError;
use reqwest::header::{CONTENT_RANGE, RANGE};
use reqwest::{StatusCode, Url};
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The first four bytes of a ggml Whisper model (`GGML_FILE_MAGIC` 0x67676d6c, little-endian),
/// to refuse an error page saved under a model's name when nothing else checked it.
const GGML_MAGIC: [u8; 4] = *b"lmgg";

/// A `SHA256SUMS` larger than this is not a checksum list.
const MAX_SUMS_BYTES: usize = 1 << 20;

/// How the download is checked before it is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Against this digest (from the user or the config).
    Expect(Sha256Digest),
    /// Against what the server publishes: the `SHA256SUMS` next to the model at the download
    /// URL, else the SHA-256 it announces for the file (Hugging Face's `X-Linked-Etag`, the
    /// digest of a Git LFS file); refused when it publishes neither.
    Sums,
    /// Not at all: the user chose so explicitly. The digest is still computed and reported.
    Skip,
}

/// Where the expected digest came from, for telling the user what was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestSource {
    /// The digest the user (or the config) gave.
    Given,
    /// The `SHA256SUMS` at this URL.
    Sums(String),
    /// The SHA-256 the server announced for the file at this URL (`X-Linked-Etag`).
    Announced(String),
    /// Nothing was checked ([`Verify::Skip`]).
    Unverified,
}

/// How far a download is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes in the partial file so far (including a resumed part).
    pub done: u64,
    /// The whole file's size, when the server said.
    pub total: Option<u64>,
}

/// The URLs of one model: the file itself and the checksum list next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadSource {
    /// The model file.
    pub file_url: Url,
    /// The `SHA256SUMS` in the same folder.
    pub sums_url: Url,
    /// The file's name on the server, as the checksum list names it.
    pub published_file: String,
}

impl DownloadSource {
    /// The source of model `name` at `url`: either the folder holding the `ggml-*.bin` files
    /// (`…/resolve/main`, the file is `ggml-<name>.bin` below it) or, when the URL's path ends
    /// in `.bin`, the model file itself.
    pub fn new(url: &str, name: &str) -> Result<DownloadSource, ModelError> {
        let file = file_name(name)?;
        let bad = |reason: &str| ModelError::BadUrl {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let parsed = Url::parse(url.trim()).map_err(|e| bad(&e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(bad("only http and https are supported"));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(bad("it has no host"));
        }
        let join = |base: &Url, path: &str| base.join(path).map_err(|e| bad(&e.to_string()));
        if parsed.path().ends_with(".bin") {
            let published_file = parsed
                .path_segments()
                .and_then(|mut segments| segments.next_back())
                .unwrap_or_default()
                .to_owned();
            return Ok(DownloadSource {
                sums_url: join(&parsed, SHA256SUMS)?,
                file_url: parsed,
                published_file,
            });
        }
        let mut base = parsed;
        base.set_query(None);
        base.set_fragment(None);
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        Ok(DownloadSource {
            file_url: join(&base, &file)?,
            sums_url: join(&base, SHA256SUMS)?,
            published_file: file,
        })
    }
}

/// One model to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRequest {
    /// The model name; the installed file is `ggml-<name>.bin`.
    pub name: String,
    /// Where to download it from.
    pub source: DownloadSource,
    /// The models folder ([`crate::models_dir`]).
    pub dir: PathBuf,
    /// How to check it.
    pub verify: Verify,
}

impl InstallRequest {
    /// Model `name` from `url` (a folder or the file, see [`DownloadSource::new`]) into `dir`.
    pub fn new(
        name: &str,
        url: &str,
        dir: &Path,
        verify: Verify,
    ) -> Result<InstallRequest, ModelError> {
        Ok(InstallRequest {
            name: name.to_owned(),
            source: DownloadSource::new(url, name)?,
            dir: dir.to_path_buf(),
            verify,
        })
    }
}

/// What an install did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallReport {
    /// The model was downloaded, checked and put in place.
    Installed {
        /// The installed file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// Its SHA-256 (print it when it was not checked, so the user can compare).
        sha256: Sha256Digest,
        /// What it was checked against.
        checked: DigestSource,
        /// Bytes an earlier, interrupted download had already fetched (0: fresh download).
        resumed_from: u64,
    },
    /// `ggml-<name>.bin` was there already; nothing was downloaded.
    AlreadyInstalled {
        /// The file.
        path: PathBuf,
    },
}

/// Downloads models over HTTP(S). One per process is enough; it keeps connections.
#[derive(Debug, Clone)]
pub struct Downloader {
    client: reqwest::Client,
    /// The same, not following redirects: Hugging Face announces a file's digest on the
    /// redirect to its CDN, not on the CDN's answer.
    no_redirects: reqwest::Client,
}

impl Downloader {
    /// An HTTP client with rustls (ring) trusting the system's root certificates, following
    /// redirects (Hugging Face answers with one to its CDN) and proxies from the environment.
    pub fn new() -> Result<Downloader, ModelError> {
        let client_error = |reason: String| ModelError::Client { reason };
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::debug!("system root certificates: {error}");
        }
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        tracing::debug!(
            added,
            ignored,
            "system root certificates for model downloads"
        );
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| client_error(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let builder = || {
            reqwest::Client::builder()
                .tls_backend_preconfigured(tls.clone())
                .connect_timeout(Duration::from_secs(30))
                .read_timeout(Duration::from_secs(60))
                .user_agent(concat!("frontdesk/", env!("CARGO_PKG_VERSION")))
        };
        let client = builder()
            .build()
            .map_err(|e| client_error(error_text(&e)))?;
        let no_redirects = builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| client_error(error_text(&e)))?;
        Ok(Downloader {
            client,
            no_redirects,
        })
    }

    /// Installs `request`: finds the expected digest (refusing before any download when
    /// there is none and [`Verify::Skip`] was not chosen), downloads into the `.part` file
    /// (resuming it with a Range request), checks the digest and the ggml header, and renames
    /// it into place. A mismatch deletes the partial file; a broken transfer keeps it for the
    /// next try. `progress` is called as bytes arrive.
    pub async fn install<F>(
        &self,
        request: &InstallRequest,
        mut progress: F,
    ) -> Result<InstallReport, ModelError>
    where
        F: FnMut(Progress) + Send,
    {
        let file = file_name(&request.name)?;
        let target = request.dir.join(&file);
        if target.is_file() {
            return Ok(InstallReport::AlreadyInstalled { path: target });
        }
        std::fs::create_dir_all(&request.dir).map_err(|e| ModelError::io(&request.dir, e))?;
        let (expected, checked) = match request.verify {
            Verify::Expect(digest) => (Some(digest), DigestSource::Given),
            Verify::Skip => (None, DigestSource::Unverified),
            Verify::Sums => {
                let (digest, source) = self.published_digest(&request.source).await?;
                (Some(digest), source)
            }
        };
        let part_path = part_path(&request.dir, &file);
        let mut part = open_locked(&part_path, &file)?;
        let url = request.source.file_url.as_str();
        let downloaded = match self
            .download(
                &request.source.file_url,
                &mut part,
                &part_path,
                &mut progress,
            )
            .await
        {
            Ok(downloaded) => downloaded,
            Err(error) => {
                // Keep what arrived for the next try; an empty part is just clutter.
                if part.metadata().is_ok_and(|m| m.len() == 0) {
                    drop(part);
                    let _ = std::fs::remove_file(&part_path);
                }
                return Err(error);
            }
        };
        if let Some(expected) = expected {
            if expected != downloaded.sha256 {
                drop(part);
                let _ = std::fs::remove_file(&part_path);
                return Err(ModelError::DigestMismatch {
                    url: url.to_owned(),
                    expected,
                    actual: downloaded.sha256,
                });
            }
        }
        if !starts_with_magic(&mut part).map_err(|e| ModelError::io(&part_path, e))? {
            drop(part);
            let _ = std::fs::remove_file(&part_path);
            return Err(ModelError::NotAModel {
                url: url.to_owned(),
            });
        }
        part.sync_all().map_err(|e| ModelError::io(&part_path, e))?;
        drop(part);
        std::fs::rename(&part_path, &target).map_err(|e| ModelError::io(&target, e))?;
        tracing::info!(
            path = %target.display(),
            sha256 = %downloaded.sha256,
            "Whisper model installed"
        );
        Ok(InstallReport::Installed {
            path: target,
            bytes: downloaded.bytes,
            sha256: downloaded.sha256,
            checked,
            resumed_from: downloaded.resumed_from,
        })
    }

    /// The digest the server publishes for the model: listed in its `SHA256SUMS`, else
    /// announced for the file itself; [`ModelError::NoDigest`] when it publishes neither.
    async fn published_digest(
        &self,
        source: &DownloadSource,
    ) -> Result<(Sha256Digest, DigestSource), ModelError> {
        let sums_missing = match self.digest_from_sums(source).await {
            Ok(digest) => return Ok((digest, DigestSource::Sums(source.sums_url.to_string()))),
            Err(ModelError::NoDigest { reason, .. }) => reason,
            Err(other) => return Err(other),
        };
        match self.announced_digest(&source.file_url).await? {
            Some(digest) => Ok((digest, DigestSource::Announced(source.file_url.to_string()))),
            None => Err(ModelError::NoDigest {
                file: source.published_file.clone(),
                reason: format!("{sums_missing}, and the server announces no SHA-256 for it"),
            }),
        }
    }

    /// The SHA-256 the server announces for `url` in a `HEAD` answer without following
    /// its redirect: `X-Linked-Etag` (Hugging Face: a Git LFS file's SHA-256), else an `ETag`
    /// that is one. `None` when there is none.
    async fn announced_digest(&self, url: &Url) -> Result<Option<Sha256Digest>, ModelError> {
        let response = self
            .no_redirects
            .head(url.clone())
            .send()
            .await
            .map_err(|e| network(url, e))?;
        let status = response.status();
        if matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE) {
            // No such model there: say so rather than that there is no digest.
            return Err(http_error(url, status));
        }
        if !(status.is_success() || status.is_redirection()) {
            // A server without HEAD announces nothing.
            return Ok(None);
        }
        let headers = response.headers();
        Ok(["x-linked-etag", "etag"]
            .iter()
            .filter_map(|name| headers.get(*name)?.to_str().ok())
            .find_map(digest_in_etag))
    }

    /// The digest `SHA256SUMS` lists for the model; [`ModelError::NoDigest`] when the server
    /// has no such file or it does not list the model.
    async fn digest_from_sums(&self, source: &DownloadSource) -> Result<Sha256Digest, ModelError> {
        let url = &source.sums_url;
        let no_digest = |reason: String| ModelError::NoDigest {
            file: source.published_file.clone(),
            reason,
        };
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| network(url, e))?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND | StatusCode::GONE => {
                return Err(no_digest(format!("there is no {url}")))
            }
            status => return Err(http_error(url, status)),
        }
        let bad_sums = |reason: String| ModelError::BadSums {
            url: url.to_string(),
            reason,
        };
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| network(url, e))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_SUMS_BYTES {
                return Err(bad_sums("it is larger than a checksum list (1 MiB)".into()));
            }
        }
        let text = String::from_utf8(body).map_err(|_| bad_sums("it is not UTF-8 text".into()))?;
        let sums = Sha256Sums::parse(&text).map_err(bad_sums)?;
        sums.get(&source.published_file)
            .ok_or_else(|| no_digest(format!("{url} does not list {}", source.published_file)))
    }

    /// Fills `part` from `url`, resuming what it holds; returns the digest of the whole file.
    async fn download<F>(
        &self,
        url: &Url,
        part: &mut std::fs::File,
        part_path: &Path,
        progress: &mut F,
    ) -> Result<Downloaded, ModelError>
    where
        F: FnMut(Progress) + Send,
    {
        let io = |e: std::io::Error| ModelError::io(part_path, e);
        // A part the server will not continue is started over once.
        let mut started_over = false;
        loop {
            let have = part.metadata().map_err(io)?.len();
            let mut request = self.client.get(url.clone());
            if have > 0 {
                request = request.header(RANGE, format!("bytes={have}-"));
            }
            let mut response = request.send().await.map_err(|e| network(url, e))?;
            let status = response.status();
            let content_range = response
                .headers()
                .get(CONTENT_RANGE)
                .and_then(|value| value.to_str().ok())
                .and_then(parse_content_range);
            let (start, total) = match status {
                StatusCode::PARTIAL_CONTENT if have > 0 => match content_range {
                    Some(range) if range.start == Some(have) => (have, range.total),
                    _ if !started_over => {
                        tracing::info!("{url}: the server sent another range; starting over");
                        start_over(part).map_err(io)?;
                        started_over = true;
                        continue;
                    }
                    _ => {
                        return Err(ModelError::Network {
                            url: url.to_string(),
                            reason: "the server answers byte ranges wrongly".into(),
                        })
                    }
                },
                StatusCode::OK => {
                    if have > 0 {
                        tracing::info!("{url}: the server does not resume; starting over");
                        start_over(part).map_err(io)?;
                    }
                    (0, response.content_length())
                }
                StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
                    if content_range.and_then(|range| range.total) == Some(have) {
                        // An earlier run fetched everything but stopped before checking it.
                        let sha256 = hash_file(part_path, have).await?;
                        progress(Progress {
                            done: have,
                            total: Some(have),
                        });
                        return Ok(Downloaded {
                            sha256,
                            bytes: have,
                            resumed_from: have,
                        });
                    }
                    if started_over {
                        return Err(http_error(url, status));
                    }
                    start_over(part).map_err(io)?;
                    started_over = true;
                    continue;
                }
                status => return Err(http_error(url, status)),
            };
            let mut hasher = Sha256::new();
            if start > 0 {
                tracing::info!("{url}: resuming after {start} bytes");
                hasher = hash_prefix(part_path, start).await?;
            }
            part.seek(SeekFrom::Start(start)).map_err(io)?;
            let mut done = start;
            progress(Progress { done, total });
            loop {
                let chunk = match response.chunk().await {
                    Ok(Some(chunk)) => chunk,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(match total {
                            Some(total) if done < total => ModelError::Truncated {
                                url: url.to_string(),
                                done,
                                total,
                            },
                            _ => network(url, e),
                        })
                    }
                };
                part.write_all(&chunk).map_err(io)?;
                hasher.update(&chunk);
                done += chunk.len() as u64;
                progress(Progress { done, total });
            }
            if let Some(total) = total.filter(|total| done != *total) {
                return Err(ModelError::Truncated {
                    url: url.to_string(),
                    done,
                    total,
                });
            }
            return Ok(Downloaded {
                sha256: Sha256Digest(hasher.finalize().into()),
                bytes: done,
                resumed_from: start,
            });
        }
    }
}

/// The SHA-256 in an entity tag (`"64 hex digits"`, maybe weak: `W/"…"`); `None` for any
/// other tag (an ETag is often not a digest at all).
fn digest_in_etag(tag: &str) -> Option<Sha256Digest> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let hex = tag.trim_matches('"');
    (hex.len() == 64).then(|| hex.parse().ok()).flatten()
}

/// A finished transfer.
struct Downloaded {
    sha256: Sha256Digest,
    bytes: u64,
    resumed_from: u64,
}

/// Opens (creating) the partial file and locks it, so two installs of one model (the CLI and
/// the desktop app) never write into the same file.
fn open_locked(path: &Path, file: &str) -> Result<std::fs::File, ModelError> {
    let part = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| ModelError::io(path, e))?;
    match part.try_lock() {
        Ok(()) => Ok(part),
        Err(std::fs::TryLockError::WouldBlock) => Err(ModelError::Busy {
            file: file.to_owned(),
            path: path.to_path_buf(),
        }),
        // A file system without locks: go on unlocked rather than refuse.
        Err(std::fs::TryLockError::Error(e)) => {
            tracing::debug!("cannot lock {}: {e}", path.display());
            Ok(part)
        }
    }
}

fn start_over(part: &mut std::fs::File) -> std::io::Result<()> {
    part.set_len(0)?;
    part.seek(SeekFrom::Start(0)).map(|_| ())
}

/// SHA-256 state after the first `len` bytes of `path` (a resumed part), off the async
/// threads: a part can be gigabytes.
async fn hash_prefix(path: &Path, len: u64) -> Result<Sha256, ModelError> {
    let owned = path.to_path_buf();
    tokio::task::spawn_blocking(move || -> std::io::Result<Sha256> {
        let mut hasher = Sha256::new();
        let mut file = std::fs::File::open(&owned)?.take(len);
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        Ok(hasher)
    })
    .await
    .map_err(|e| ModelError::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?
    .map_err(|e| ModelError::io(path, e))
}

async fn hash_file(path: &Path, len: u64) -> Result<Sha256Digest, ModelError> {
    let hasher = hash_prefix(path, len).await?;
    Ok(Sha256Digest(hasher.finalize().into()))
}

fn starts_with_magic(part: &mut std::fs::File) -> std::io::Result<bool> {
    part.seek(SeekFrom::Start(0))?;
    let mut magic = [0u8; 4];
    match part.read_exact(&mut magic) {
        Ok(()) => Ok(magic == GGML_MAGIC),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// A `Content-Range` header: `bytes 100-199/200`, `bytes 100-199/*` or `bytes */200`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContentRange {
    /// The first byte sent; `None` for the `*/total` form of a 416.
    start: Option<u64>,
    /// The whole size, when known.
    total: Option<u64>,
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse().ok()?),
    };
    let start = match range.trim() {
        "*" => None,
        range => {
            let (start, end) = range.split_once('-')?;
            let (start, end): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
            if end < start || total.is_some_and(|total| end >= total) {
                return None;
            }
            Some(start)
        }
    };
    Some(ContentRange { start, total })
}

fn http_error(url: &Url, status: StatusCode) -> ModelError {
    let hint = match status.as_u16() {
        404 | 410 => {
            "there is no such file there; check the model name (`frontdesk model \
                      list`) and the download URL"
        }
        401 | 403 => "the server refuses it; check the download URL",
        500..=599 => "the server has a problem; try again later",
        _ => "check the download URL",
    };
    ModelError::Http {
        url: url.to_string(),
        status: status.as_u16(),
        hint: hint.to_owned(),
    }
}

fn network(url: &Url, error: reqwest::Error) -> ModelError {
    ModelError::Network {
        url: url.to_string(),
        reason: error_text(&error.without_url()),
    }
}

/// An error with its causes (reqwest's own message is often just "error sending request").
fn error_text(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_in_all_three_forms() {
        let range = |start, total| Some(ContentRange { start, total });
        assert_eq!(
            parse_content_range("bytes 100-199/200"),
            range(Some(100), Some(200))
        );
        assert_eq!(parse_content_range("bytes 0-0/*"), range(Some(0), None));
        assert_eq!(parse_content_range("bytes */200"), range(None, Some(200)));
        for bad in [
            "",
            "bytes",
            "items 0-1/2",
            "bytes 5-4/10",
            "bytes 0-10/10",
            "bytes a-b/c",
            "bytes 0-1",
            "bytes -1/2",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_an_entity_tag_that_is_a_sha256_is_taken_as_one() {
        let tiny = "49b35c0f0fa5e8fe48396546d4c3308e7cc3e8a50589273a99710c76fd373fdf";
        for tag in [
            format!("\"{tiny}\""),
            format!("W/\"{tiny}\""),
            format!(" {} ", tiny.to_uppercase()),
        ] {
            assert_eq!(
                digest_in_etag(&tag).map(|d| d.to_string()),
                Some(tiny.to_owned()),
                "{tag:?}"
            );
        }
        // A Git blob id (40 hex digits), a server's own tag, or not hex at all.
        for tag in [
            "\"a94a8fe5ccb19ba61c4c0873d391e987982fbbd3\"",
            "\"5f1c-4a2b\"",
            &format!("\"{}\"", "z".repeat(64)),
            "",
        ] {
            assert_eq!(digest_in_etag(tag), None, "{tag:?}");
        }
    }

    #[test]
    fn a_folder_url_gets_the_model_file_and_sums_below_it() {
        let source = DownloadSource::new(crate::DEFAULT_BASE_URL, "base.en").unwrap();
        assert_eq!(
            source.file_url.as_str(),
            "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.en.bin"
        );
        assert_eq!(
            source.sums_url.as_str(),
            "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/SHA256SUMS"
        );
        assert_eq!(source.published_file, "ggml-base.en.bin");
        let slash = DownloadSource::new("http://127.0.0.1:8080/models/?x=1", "tiny").unwrap();
        assert_eq!(
            slash.file_url.as_str(),
            "http://127.0.0.1:8080/models/ggml-tiny.bin"
        );
    }

    #[test]
    fn a_file_url_is_used_as_it_is() {
        let source = DownloadSource::new(
            "http://127.0.0.1:8080/m/ggml-tiny.en.bin?download=1",
            "tiny.en",
        )
        .unwrap();
        assert_eq!(
            source.file_url.as_str(),
            "http://127.0.0.1:8080/m/ggml-tiny.en.bin?download=1"
        );
        assert_eq!(
            source.sums_url.as_str(),
            "http://127.0.0.1:8080/m/SHA256SUMS"
        );
        assert_eq!(source.published_file, "ggml-tiny.en.bin");
    }

    #[test]
    fn urls_that_cannot_serve_a_model_are_refused() {
        for bad in [
            "",
            "huggingface.co/x",
            "ftp://127.0.0.1/x",
            "file:///tmp/m",
            "http://",
        ] {
            let error = DownloadSource::new(bad, "base").unwrap_err();
            assert!(
                matches!(error, ModelError::BadUrl { .. }),
                "{bad:?}: {error:?}"
            );
            assert!(error.to_string().contains("http://"), "{error}");
        }
        assert!(matches!(
            DownloadSource::new("http://127.0.0.1/", "../x"),
            Err(ModelError::BadName { .. })
        ));
    }
}
