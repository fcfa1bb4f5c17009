//! Installing the real Whisper model (`../shared/models/ggml-tiny.en.bin` next to the
//! repository, or `$FRONTDESK_WHISPER_MODEL`) from HTTP servers on 127.0.0.1: Python's
//! `http.server` (a real third-party server, which ignores Range requests) and a small server
//! in this file that can cut a download off midway and answers Range requests.

use frontdesk_models::*;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The test model: `$FRONTDESK_WHISPER_MODEL`, else the shared tiny.en model.
fn model_path() -> PathBuf {
    let path = match std::env::var_os("FRONTDESK_WHISPER_MODEL").filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/models/ggml-tiny.en.bin"
        )),
    };
    assert!(
        path.is_file(),
        "no Whisper model at {}: put ggml-tiny.en.bin into ../shared/models or set \
         FRONTDESK_WHISPER_MODEL",
        path.display()
    );
    path
}

/// The model's bytes, read once.
fn model_bytes() -> Arc<Vec<u8>> {
    static BYTES: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    BYTES
        .get_or_init(|| Arc::new(std::fs::read(model_path()).unwrap()))
        .clone()
}

/// The SHA-256 of `path` as coreutils' `sha256sum` computes it (not our code).
fn sha256sum(path: &Path) -> String {
    let output = Command::new("sha256sum").arg(path).output().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()[..64].to_owned()
}

/// The shared model's digest, by `sha256sum`.
fn model_sha256() -> String {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| sha256sum(&model_path())).clone()
}

/// A Python HTTP server on 127.0.0.1, stopped when dropped.
struct PythonServer {
    child: Child,
    url: String,
}

impl PythonServer {
    /// `python3 -m http.server` serving `dir`.
    fn start(dir: &Path) -> PythonServer {
        let args = [
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ];
        // "Serving HTTP on 127.0.0.1 port 41235 (http://127.0.0.1:41235/) ..."
        let port = |line: &str| {
            line.split(" port ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|port| port.parse().ok())
        };
        PythonServer::spawn(
            args.iter().map(OsStr::new).chain([dir.as_os_str()]),
            port,
            "",
        )
    }

    /// A server shaped like Hugging Face's, announcing `announced` as the model's SHA-256
    /// (see [`HUB_SCRIPT`]); its URL is the `resolve/main` folder.
    fn hub(announced: &str) -> PythonServer {
        let model = model_path();
        let args = [
            OsStr::new("-c"),
            OsStr::new(HUB_SCRIPT),
            model.as_os_str(),
            OsStr::new(announced),
        ];
        PythonServer::spawn(args, |line| line.trim().parse().ok(), "/resolve/main")
    }

    /// `python3 -u <args>`, whose first line of output `port_of` reads the port from.
    fn spawn<'a>(
        args: impl IntoIterator<Item = &'a OsStr>,
        port_of: impl Fn(&str) -> Option<u16>,
        path: &str,
    ) -> PythonServer {
        let mut child = Command::new("python3")
            .arg("-u")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 is needed for this test");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = port_of(&line).unwrap_or_else(|| panic!("unexpected server output: {line:?}"));
        PythonServer {
            child,
            url: format!("http://127.0.0.1:{port}{path}"),
        }
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder served by Python: the model (a symlink, no copy) and optionally `SHA256SUMS`.
fn python_site(sums: Option<&str>) -> (tempfile::TempDir, PythonServer) {
    let site = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(model_path(), site.path().join("ggml-tiny.en.bin")).unwrap();
    if let Some(sums) = sums {
        std::fs::write(site.path().join("SHA256SUMS"), sums).unwrap();
    }
    let server = PythonServer::start(site.path());
    (site, server)
}

/// Records every progress call and checks they only go forward.
#[derive(Default)]
struct ProgressLog(Vec<Progress>);

impl ProgressLog {
    fn record(&mut self) -> impl FnMut(Progress) + Send + '_ {
        |progress| {
            if let Some(last) = self.0.last() {
                assert!(progress.done >= last.done, "{last:?} then {progress:?}");
            }
            self.0.push(progress);
        }
    }
}

fn request(url: &str, dir: &Path, verify: Verify) -> InstallRequest {
    InstallRequest::new("tiny.en", url, dir, verify).unwrap()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Checks the installed file is the model, byte for byte.
fn assert_is_the_model(path: &Path) {
    let installed = std::fs::read(path).unwrap();
    assert!(
        installed == *model_bytes(),
        "{} differs from the served model",
        path.display()
    );
}

#[tokio::test]
async fn installs_the_model_checked_against_the_servers_sha256sums() {
    let digest = model_sha256();
    let (_site, server) = python_site(Some(&format!(
        "{digest}  ggml-tiny.en.bin\n{}  ggml-base.bin\n",
        "0".repeat(64)
    )));
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let mut log = ProgressLog::default();
    let report = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), log.record())
        .await
        .unwrap();
    let InstallReport::Installed {
        path,
        bytes,
        sha256,
        checked,
        resumed_from,
    } = report
    else {
        panic!("{report:?}")
    };
    assert_eq!(path, dir.join("ggml-tiny.en.bin"));
    assert_is_the_model(&path);
    assert_eq!(bytes, model_bytes().len() as u64);
    assert_eq!(sha256.to_string(), digest);
    assert_eq!(
        checked,
        DigestSource::Sums(format!("{}/SHA256SUMS", server.url))
    );
    assert_eq!(resumed_from, 0);
    assert_eq!(files_in(&dir), ["ggml-tiny.en.bin"], "no .part is left");
    let last = log.0.last().unwrap();
    assert_eq!((last.done, last.total), (bytes, Some(bytes)));
    assert!(log.0.len() > 10, "progress is reported as bytes arrive");

    // The manager finds it, and installing again downloads nothing.
    assert_eq!(find_model(&dir, "base"), Some(path.clone()));
    assert_eq!(installed(&dir).len(), 1);
    let again = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap();
    assert_eq!(again, InstallReport::AlreadyInstalled { path });
}

#[tokio::test]
async fn a_wrong_digest_installs_nothing_and_leaves_no_partial_file() {
    let (_site, server) = python_site(None);
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    // The digest of something else: one bit of the real one flipped.
    let mut wrong: Sha256Digest = model_sha256().parse().unwrap();
    wrong.0[31] ^= 1;
    let error = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Expect(wrong)), |_| {})
        .await
        .unwrap_err();
    let ModelError::DigestMismatch {
        expected, actual, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*expected, wrong);
    assert_eq!(actual.to_string(), model_sha256());
    let message = error.to_string();
    assert!(
        message.contains(&wrong.to_string())
            && message.contains(&model_sha256())
            && message.contains("partial file was deleted"),
        "{message}"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    assert_eq!(find_model(&dir, "tiny.en"), None);
}

#[tokio::test]
async fn the_given_digest_installs_the_model() {
    let (_site, server) = python_site(None);
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let digest: Sha256Digest = model_sha256().to_uppercase().parse().unwrap();
    let report = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Expect(digest)), |_| {})
        .await
        .unwrap();
    let InstallReport::Installed { path, checked, .. } = report else {
        panic!("{report:?}")
    };
    assert_eq!(checked, DigestSource::Given);
    assert_is_the_model(&path);
}

#[tokio::test]
async fn without_any_digest_it_refuses_before_downloading_unless_told_not_to_verify() {
    let (_site, server) = python_site(None);
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let downloader = Downloader::new().unwrap();
    let error = downloader
        .install(&request(&server.url, &dir, Verify::Sums), |_| {
            panic!("nothing is downloaded")
        })
        .await
        .unwrap_err();
    assert!(matches!(error, ModelError::NoDigest { .. }), "{error:?}");
    let message = error.to_string();
    for hint in ["--sha256", "--no-verify", "SHA256SUMS", "ggml-tiny.en.bin"] {
        assert!(message.contains(hint), "{hint} missing from: {message}");
    }
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));

    let report = downloader
        .install(&request(&server.url, &dir, Verify::Skip), |_| {})
        .await
        .unwrap();
    let InstallReport::Installed {
        path,
        sha256,
        checked,
        ..
    } = report
    else {
        panic!("{report:?}")
    };
    assert_eq!(checked, DigestSource::Unverified);
    assert_eq!(sha256.to_string(), model_sha256(), "the digest is reported");
    assert_is_the_model(&path);
}

#[tokio::test]
async fn sha256sums_without_the_model_or_damaged_is_refused() {
    let (_site, server) = python_site(Some(&format!("{}  ggml-base.bin\n", model_sha256())));
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let error = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, ModelError::NoDigest { .. })
            && error.to_string().contains("does not list ggml-tiny.en.bin"),
        "{error}"
    );

    let (_site, server) = python_site(Some("<html>login</html>\n"));
    let error = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, ModelError::BadSums { .. }) && error.to_string().contains("line 1"),
        "{error}"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}

#[tokio::test]
async fn a_missing_model_or_an_error_page_is_reported_and_not_installed() {
    let (site, server) = python_site(None);
    std::fs::write(
        site.path().join("ggml-fake.bin"),
        "<html><body>Please log in</body></html>",
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let downloader = Downloader::new().unwrap();
    let missing = InstallRequest::new("small", &server.url, &dir, Verify::Skip).unwrap();
    let error = downloader.install(&missing, |_| {}).await.unwrap_err();
    assert!(
        matches!(error, ModelError::Http { status: 404, .. })
            && error.to_string().contains("frontdesk model list"),
        "{error}"
    );
    let fake = InstallRequest::new("fake", &server.url, &dir, Verify::Skip).unwrap();
    let error = downloader.install(&fake, |_| {}).await.unwrap_err();
    assert!(matches!(error, ModelError::NotAModel { .. }), "{error:?}");
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}

#[tokio::test]
async fn a_server_that_ignores_ranges_makes_the_download_start_over() {
    let (_site, server) = python_site(Some(&format!("{}  ggml-tiny.en.bin\n", model_sha256())));
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    std::fs::create_dir_all(&dir).unwrap();
    // A part from some other download: Python answers the Range request with the whole file.
    std::fs::write(dir.join("ggml-tiny.en.bin.part"), vec![7u8; 123_456]).unwrap();
    let report = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap();
    let InstallReport::Installed {
        path, resumed_from, ..
    } = report
    else {
        panic!("{report:?}")
    };
    assert_eq!(resumed_from, 0);
    assert_is_the_model(&path);
    assert_eq!(files_in(&dir), ["ggml-tiny.en.bin"]);
}

/// What the range server saw of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    path: String,
    range: Option<String>,
}

/// A small HTTP/1.1 server: serves `files`, answers `Range: bytes=N-` with 206, and can close
/// the first model download after `cut_after` bytes of body (the full length announced).
struct RangeServer {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for RangeServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl RangeServer {
    async fn start(files: HashMap<String, Arc<Vec<u8>>>, cut_after: Option<usize>) -> RangeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let files = Arc::new(files);
        let cut = Arc::new(Mutex::new(cut_after));
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let (files, seen, cut) = (files.clone(), seen.clone(), cut.clone());
                    tokio::spawn(async move {
                        let _ = serve(stream, &files, &seen, &cut).await;
                    });
                }
            }
        });
        RangeServer { url, seen, task }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// One request per connection (`Connection: close`).
async fn serve(
    mut stream: tokio::net::TcpStream,
    files: &HashMap<String, Arc<Vec<u8>>>,
    seen: &Mutex<Vec<Seen>>,
    cut: &Mutex<Option<usize>>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let range = head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("range")
            .then(|| value.trim().to_owned())
    });
    seen.lock().unwrap().push(Seen {
        path: path.clone(),
        range: range.clone(),
    });
    let Some(body) = files.get(path.trim_start_matches('/')) else {
        let response =
            "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found";
        return stream.write_all(response.as_bytes()).await;
    };
    let total = body.len();
    let start = match range.as_deref().and_then(|r| r.strip_prefix("bytes=")) {
        Some(spec) => spec.trim_end_matches('-').parse::<usize>().unwrap(),
        None => 0,
    };
    if range.is_some() && start >= total {
        let response = format!(
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{total}\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return stream.write_all(response.as_bytes()).await;
    }
    let status = if range.is_some() {
        format!(
            "206 Partial Content\r\nContent-Range: bytes {start}-{}/{total}",
            total - 1
        )
    } else {
        "200 OK".to_owned()
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n\
         Connection: close\r\n\r\n",
        total - start
    );
    stream.write_all(header.as_bytes()).await?;
    let cut_here = if path.ends_with(".bin") {
        cut.lock().unwrap().take()
    } else {
        None
    };
    let end = match cut_here {
        Some(cut) => (start + cut).min(total),
        None => total,
    };
    stream.write_all(&body[start..end]).await?;
    stream.shutdown().await
}

fn model_site() -> HashMap<String, Arc<Vec<u8>>> {
    HashMap::from([
        ("ggml-tiny.en.bin".to_owned(), model_bytes()),
        (
            "SHA256SUMS".to_owned(),
            Arc::new(format!("{}  ggml-tiny.en.bin\n", model_sha256()).into_bytes()),
        ),
    ])
}

#[tokio::test]
async fn an_interrupted_download_resumes_with_a_range_request() {
    const CUT: usize = 10_000_000;
    let server = RangeServer::start(model_site(), Some(CUT)).await;
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let downloader = Downloader::new().unwrap();
    let error = downloader
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap_err();
    let total = model_bytes().len() as u64;
    let ModelError::Truncated {
        done,
        total: announced,
        ..
    } = error
    else {
        panic!("{error:?}")
    };
    assert_eq!(announced, total);
    assert!(done > 0 && done <= CUT as u64, "{done}");
    assert!(error.to_string().contains("resume"), "{error}");
    let part = dir.join("ggml-tiny.en.bin.part");
    assert_eq!(std::fs::metadata(&part).unwrap().len(), done);
    assert_eq!(find_model(&dir, "tiny.en"), None, "a part is not a model");
    let listed = installed(&dir);
    assert!(listed.len() == 1 && listed[0].partial, "{listed:?}");

    let mut log = ProgressLog::default();
    let report = downloader
        .install(&request(&server.url, &dir, Verify::Sums), log.record())
        .await
        .unwrap();
    let InstallReport::Installed {
        path,
        resumed_from,
        bytes,
        ..
    } = report
    else {
        panic!("{report:?}")
    };
    assert_eq!(resumed_from, done);
    assert_eq!(bytes, total);
    assert_eq!(
        log.0.first().unwrap().done,
        done,
        "progress starts at the part"
    );
    assert_is_the_model(&path);
    assert_eq!(files_in(&dir), ["ggml-tiny.en.bin"]);
    let model_requests: Vec<Option<String>> = server
        .seen()
        .into_iter()
        .filter(|s| s.path == "/ggml-tiny.en.bin")
        .map(|s| s.range)
        .collect();
    assert_eq!(model_requests, [None, Some(format!("bytes={done}-"))]);
}

#[tokio::test]
async fn a_part_that_is_already_complete_is_checked_and_installed() {
    let server = RangeServer::start(model_site(), None).await;
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("ggml-tiny.en.bin.part"), &*model_bytes()).unwrap();
    let report = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap();
    let InstallReport::Installed {
        path, resumed_from, ..
    } = report
    else {
        panic!("{report:?}")
    };
    assert_eq!(resumed_from, model_bytes().len() as u64);
    assert_is_the_model(&path);
    let total = model_bytes().len();
    assert!(server.seen().contains(&Seen {
        path: "/ggml-tiny.en.bin".into(),
        range: Some(format!("bytes={total}-"))
    }));
}

#[tokio::test]
async fn a_resumed_part_from_another_file_fails_the_digest_and_is_deleted() {
    let server = RangeServer::start(model_site(), None).await;
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    std::fs::create_dir_all(&dir).unwrap();
    // Right length, wrong bytes: the server continues it, the digest tells.
    std::fs::write(dir.join("ggml-tiny.en.bin.part"), vec![0u8; 1_000_000]).unwrap();
    let downloader = Downloader::new().unwrap();
    let error = downloader
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, ModelError::DigestMismatch { .. }),
        "{error:?}"
    );
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
    // The next try starts from scratch and succeeds.
    let report = downloader
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap();
    let InstallReport::Installed { path, .. } = report else {
        panic!("{report:?}")
    };
    assert_is_the_model(&path);
}

#[tokio::test]
async fn a_second_install_of_the_same_model_waits_its_turn() {
    let server = RangeServer::start(model_site(), None).await;
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    std::fs::create_dir_all(&dir).unwrap();
    let part = std::fs::File::create(dir.join("ggml-tiny.en.bin.part")).unwrap();
    part.lock().unwrap();
    let error = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(error, ModelError::Busy { .. }) && error.to_string().contains("wait"),
        "{error:?}"
    );
    assert!(
        !server.seen().iter().any(|s| s.path.ends_with(".bin")),
        "nothing was downloaded"
    );
}

/// A server shaped like Hugging Face's: no `SHA256SUMS`; `…/resolve/main/<file>` redirects to
/// a CDN path and announces the file's SHA-256 in `X-Linked-Etag` on that redirect only (the
/// CDN answer has an ETag of its own that is no digest). Python's `http.server` classes;
/// arguments: the model file, the digest to announce.
const HUB_SCRIPT: &str = r#"
import http.server, os, sys
model, announced = sys.argv[1], sys.argv[2]
class Hub(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        if self.path == "/resolve/main/ggml-tiny.en.bin":
            self.send_response(302)
            self.send_header("Location", "/cdn/blob?signature=x")
            self.send_header("X-Linked-Etag", '"' + announced + '"')
            self.send_header("X-Linked-Size", str(os.path.getsize(model)))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path.startswith("/cdn/blob"):
            size = os.path.getsize(model)
            self.send_response(200)
            self.send_header("ETag", '"cdn-7f3a"')
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if body:
                with open(model, "rb") as f:
                    self.wfile.write(f.read())
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
    def do_HEAD(self):
        self.answer(False)
    def do_GET(self):
        self.answer(True)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

#[tokio::test]
async fn without_sha256sums_the_digest_the_hub_announces_is_checked() {
    let server = PythonServer::hub(&model_sha256());
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let report = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap();
    let InstallReport::Installed {
        path,
        sha256,
        checked,
        ..
    } = report
    else {
        panic!("{report:?}")
    };
    assert_eq!(
        checked,
        DigestSource::Announced(format!("{}/ggml-tiny.en.bin", server.url))
    );
    assert_eq!(sha256.to_string(), model_sha256());
    assert_is_the_model(&path);
}

#[tokio::test]
async fn a_file_that_is_not_what_the_hub_announced_is_not_installed() {
    let mut other: Sha256Digest = model_sha256().parse().unwrap();
    other.0[0] ^= 0x80;
    let server = PythonServer::hub(&other.to_string());
    let data = tempfile::tempdir().unwrap();
    let dir = models_dir(data.path());
    let error = Downloader::new()
        .unwrap()
        .install(&request(&server.url, &dir, Verify::Sums), |_| {})
        .await
        .unwrap_err();
    let ModelError::DigestMismatch { expected, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(*expected, other);
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));
}
