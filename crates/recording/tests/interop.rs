//! Another decoder reads our files: libsndfile (its own Ogg parser plus
//! libopus), driven through Python's ctypes. Skipped, saying so, where
//! python3 or libsndfile is missing; sox and ffprobe cannot read Ogg Opus here.

mod common;

use std::path::Path;
use std::process::Command;

use common::{speech, RATE};
use frontdesk_recording::{read_pcm, recover, Recorder};

/// Prints "frames rate channels rms" for a file, via libsndfile; exit 77 if unavailable.
const SNDFILE_READ: &str = r#"
import ctypes, ctypes.util, sys
name = ctypes.util.find_library("sndfile")
if not name:
    sys.exit(77)
lib = ctypes.CDLL(name)
class Info(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int),
                ("channels", ctypes.c_int), ("format", ctypes.c_int),
                ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]
lib.sf_open.restype = ctypes.c_void_p
lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(Info)]
lib.sf_strerror.restype = ctypes.c_char_p
lib.sf_strerror.argtypes = [ctypes.c_void_p]
lib.sf_readf_short.restype = ctypes.c_int64
lib.sf_readf_short.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_short), ctypes.c_int64]
lib.sf_close.argtypes = [ctypes.c_void_p]
info = Info()
h = lib.sf_open(sys.argv[1].encode(), 0x10, ctypes.byref(info))
if not h:
    print(lib.sf_strerror(None).decode(), file=sys.stderr)
    sys.exit(1)
buf = (ctypes.c_short * 8192)()
total, energy = 0, 0.0
while True:
    n = lib.sf_readf_short(h, buf, 8192 // info.channels)
    if n <= 0:
        break
    total += n
    energy += sum(buf[i] * buf[i] for i in range(n * info.channels))
lib.sf_close(h)
print(total, info.samplerate, info.channels, (energy / max(total, 1)) ** 0.5)
"#;

/// (frames, rate, channels, rms) as libsndfile decodes `path`, or None when unavailable.
fn sndfile_read(path: &Path) -> Option<(usize, u32, u32, f64)> {
    let out = match Command::new("python3")
        .args(["-c", SNDFILE_READ])
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            println!("skipped: python3 not available ({e})");
            return None;
        }
    };
    if out.status.code() == Some(77) {
        println!("skipped: libsndfile not installed");
        return None;
    }
    assert!(
        out.status.success(),
        "libsndfile cannot read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let f: Vec<&str> = text.split_whitespace().collect();
    Some((
        f[0].parse().unwrap(),
        f[1].parse().unwrap(),
        f[2].parse().unwrap(),
        f[3].parse().unwrap(),
    ))
}

fn rms(x: &[i16]) -> f64 {
    (x.iter().map(|&s| s as f64 * s as f64).sum::<f64>() / x.len().max(1) as f64).sqrt()
}

#[test]
fn libsndfile_decodes_finished_and_recovered_recordings_to_the_same_length() {
    let dir = tempfile::tempdir().unwrap();
    let voice = speech(
        dir.path(),
        "This message checks that other players can read it.",
    );
    let path = dir.path().join("m.opus");
    let mut rec = Recorder::create(&path, RATE).unwrap();
    rec.push(&voice).unwrap();
    rec.finish().unwrap();
    let Some((frames, rate, channels, their_rms)) = sndfile_read(&path) else {
        return;
    };
    // libsndfile decodes at the input rate the header names, trimming pre-skip and padding.
    assert_eq!((rate, channels), (RATE, 1));
    assert_eq!(frames, voice.len());
    let (ours, _) = read_pcm(&path).unwrap();
    assert!(
        (their_rms / rms(&ours) - 1.0).abs() < 0.05,
        "libsndfile RMS {their_rms:.0}, ours {:.0}",
        rms(&ours)
    );

    // A cut file, once recovered, has the length players will show.
    let data = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.opus");
    std::fs::write(&cut, &data[..data.len() * 2 / 3]).unwrap();
    recover(&cut).unwrap();
    let (ours, _) = read_pcm(&cut).unwrap();
    let (frames, ..) = sndfile_read(&cut).unwrap();
    assert_eq!(frames, ours.len());
}
