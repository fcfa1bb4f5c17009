//! Record → finish → read back, with tones and espeak-ng speech; truncated
//! files recovered; files that are not recordings refused without panicking.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{best_correlation, sine, speech, RATE};
use frontdesk_recording::{
    export_wav, read_f32_16k, read_pcm, recover, Recorder, RecordingError, RecordingInfo,
};

/// Record `samples` pushed in uneven chunks (1 to 997 samples) and finish.
fn record(path: &Path, samples: &[i16]) -> RecordingInfo {
    let mut rec = Recorder::create(path, RATE).unwrap();
    let mut pos = 0;
    let mut step = 1;
    while pos < samples.len() {
        let end = (pos + step).min(samples.len());
        rec.push(&samples[pos..end]).unwrap();
        pos = end;
        step = step * 7 % 997 + 1;
    }
    assert_eq!(
        rec.duration(),
        Duration::from_secs_f64(samples.len() as f64 / RATE as f64)
    );
    rec.finish().unwrap()
}

#[test]
fn a_tone_comes_back_with_its_frequency_and_exact_length() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tone.opus");
    let tone = sine(1000.0, 3.37, -6.0);
    let info = record(&path, &tone);
    assert_eq!(info.path, path);
    assert_eq!(info.bytes, std::fs::metadata(&path).unwrap().len());
    assert!(
        (info.duration.as_secs_f64() - 3.37).abs() < 1e-6,
        "{info:?}"
    );

    let (pcm, rate) = read_pcm(&path).unwrap();
    assert_eq!(rate, 16_000);
    // The end-of-stream granule trims the padding: the length is exact.
    assert_eq!(pcm.len(), tone.len());

    let wav = dir.path().join("tone.wav");
    let exported = export_wav(&path, &wav).unwrap();
    assert_eq!(exported, info.duration);
    let report = frontdesk_testbed::analyze(&wav, 1000.0).unwrap();
    assert_eq!(report.rate, 16_000);
    assert!(report.ratio > 0.95, "{report:?}");
    // A -6 dBFS peak sine has an RMS of about 0.354 of full scale.
    assert!((report.rms - 0.354).abs() < 0.03, "{report:?}");
    assert!(frontdesk_testbed::analyze(&wav, 1500.0).unwrap().ratio < 0.02);

    let f32s = read_f32_16k(&path).unwrap();
    assert_eq!(f32s.len(), pcm.len());
    assert!((f32s[1000] - pcm[1000] as f32 / 32768.0).abs() < 1e-6);
}

#[test]
fn speech_comes_back_recognisably_and_the_ogg_crate_reads_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let voice = speech(
        dir.path(),
        "Hello, this is Maria Schmidt from Acme. Please call me back about the invoice.",
    );
    let path = dir.path().join("speech.opus");
    let info = record(&path, &voice);
    let (pcm, _) = read_pcm(&path).unwrap();
    assert_eq!(pcm.len(), voice.len());
    // Opus is not waveform-exact, but 24 kbit/s wide-band speech stays close.
    let corr = best_correlation(&voice, &pcm, 40);
    assert!(corr > 0.8, "correlation {corr:.3}");

    // An independent Ogg reader agrees on the structure (RFC 7845).
    let file = std::fs::File::open(&path).unwrap();
    let mut reader = ogg::reading::PacketReader::new(std::io::BufReader::new(file));
    let head = reader.read_packet().unwrap().unwrap();
    assert!(head.data.starts_with(b"OpusHead") && head.first_in_stream());
    assert_eq!(head.data[9], 1, "mono");
    let pre_skip = u16::from_le_bytes([head.data[10], head.data[11]]) as u64;
    let tags = reader.read_packet().unwrap().unwrap();
    assert!(tags.data.starts_with(b"OpusTags"));
    let mut audio_packets = 0;
    let mut last = None;
    while let Some(p) = reader.read_packet().unwrap() {
        audio_packets += 1;
        last = Some(p);
    }
    let last = last.unwrap();
    assert!(last.last_in_stream());
    assert_eq!(
        last.absgp_page(),
        pre_skip + voice.len() as u64 * 3,
        "final granule = pre-skip + length at 48 kHz"
    );
    // 20 ms frames, the last one padded (plus the encoder delay).
    let frames = (voice.len() as u64 * 3 + pre_skip).div_ceil(960);
    assert_eq!(audio_packets, frames);
    assert!(info.duration > Duration::from_secs(3));
}

#[test]
fn a_minute_of_speech_takes_less_than_200_kb() {
    let dir = tempfile::tempdir().unwrap();
    let voice = speech(
        dir.path(),
        "Good morning. I am calling about the broken heating in our office on the second floor. \
         It stopped working last night and it is getting cold. Could you send a technician \
         today? My number is 0 1 7 6 5 5 5 1 2 3 4. Thank you very much, goodbye.",
    );
    let mut minute = Vec::new();
    while minute.len() < 60 * RATE as usize {
        minute.extend_from_slice(&voice);
        minute.extend(std::iter::repeat_n(0, RATE as usize / 2));
    }
    minute.truncate(60 * RATE as usize);
    let info = record(&dir.path().join("minute.opus"), &minute);
    println!(
        "one minute of speech: {} bytes ({:.1} kbit/s)",
        info.bytes,
        info.bytes as f64 * 8.0 / 60_000.0
    );
    // 24 kbit/s is 180 kB per minute; Ogg framing adds about 3 %.
    assert!(
        info.bytes > 60_000 && info.bytes < 200_000,
        "{} bytes",
        info.bytes
    );
}

#[test]
fn recover_leaves_a_finished_file_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("done.opus");
    let info = record(&path, &sine(440.0, 2.0, -10.0));
    let before = std::fs::read(&path).unwrap();
    for _ in 0..2 {
        let r = recover(&path).unwrap();
        assert!(r.was_finished);
        assert_eq!(r.truncated_bytes, 0);
        assert_eq!(r.duration, info.duration);
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}

#[test]
fn a_file_cut_at_any_offset_is_recovered_up_to_its_last_complete_page() {
    let dir = tempfile::tempdir().unwrap();
    let voice = speech(
        dir.path(),
        "One, two, three, four, five, six, seven, eight.",
    );
    let path = dir.path().join("full.opus");
    record(&path, &voice);
    let full = std::fs::read(&path).unwrap();
    let (reference, _) = read_pcm(&path).unwrap();

    // Walk the original's pages by their lengths: (start, end, granule).
    let mut pages = Vec::new();
    let mut pos = 0;
    while pos < full.len() {
        let segs = full[pos + 26] as usize;
        let body: usize = full[pos + 27..pos + 27 + segs]
            .iter()
            .map(|&l| l as usize)
            .sum();
        let granule = u64::from_le_bytes(full[pos + 6..pos + 14].try_into().unwrap());
        pages.push((pos, pos + 27 + segs + body, granule));
        pos += 27 + segs + body;
    }
    assert!(pages.len() >= 6, "{pages:?}");
    let pre_skip = u16::from_le_bytes([full[28 + 10], full[28 + 11]]) as u64;
    let first_audio_page_end = pages[2].1;
    // What a cut must keep: every page that ends before it.
    let expected_len = |cut: usize| {
        let kept = pages.iter().filter(|p| p.1 <= cut).count();
        (kept > 2).then(|| ((pages[kept - 1].2 - pre_skip) / 3) as usize)
    };

    // Offsets: the edges, around every page start, and pseudo-random ones.
    let mut cuts = vec![0, 1, 4, 26, 27, 28, full.len() - 1, full.len()];
    for &(start, _, _) in &pages {
        cuts.extend([start.saturating_sub(1), start, start + 1, start + 27]);
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..40 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        cuts.push((seed % full.len() as u64) as usize);
    }

    let mut recovered_count = 0;
    for (i, &cut) in cuts.iter().enumerate() {
        let cut = cut.min(full.len());
        let p = dir.path().join(format!("cut-{i}.opus"));
        std::fs::write(&p, &full[..cut]).unwrap();
        match recover(&p) {
            Ok(r) => {
                recovered_count += 1;
                assert!(cut >= first_audio_page_end, "cut {cut}: {r:?}");
                let len = std::fs::metadata(&p).unwrap().len();
                assert_eq!(len + r.truncated_bytes, cut as u64, "cut {cut}");
                // Everything up to the last complete page is kept, and it decodes
                // to exactly the original's first samples.
                let (pcm, _) = read_pcm(&p).unwrap();
                assert_eq!(Some(pcm.len()), expected_len(cut), "cut {cut}");
                assert!(
                    (pcm.len() as f64 / RATE as f64 - r.duration.as_secs_f64()).abs() < 1e-6,
                    "cut {cut}: {r:?}"
                );
                assert!(!pcm.is_empty() && pcm.len() <= reference.len(), "cut {cut}");
                assert!(pcm == reference[..pcm.len()], "cut {cut}: samples differ");
                // Idempotent: a second run changes nothing.
                let again = std::fs::read(&p).unwrap();
                let r2 = recover(&p).unwrap();
                assert!(r2.was_finished && r2.truncated_bytes == 0, "{r2:?}");
                assert_eq!(r2.duration, r.duration);
                assert_eq!(std::fs::read(&p).unwrap(), again);
            }
            Err(RecordingError::NoAudio { bytes, .. }) => {
                assert_eq!(bytes, cut as u64);
                assert!(cut < first_audio_page_end, "cut {cut} lost all audio");
                assert_eq!(expected_len(cut), None);
                let msg = recover(&p).unwrap_err().to_string();
                assert!(msg.contains("no complete audio"), "{msg}");
            }
            Err(e) => panic!("cut at {cut}: unexpected error {e}"),
        }
    }
    assert!(
        recovered_count > 20,
        "only {recovered_count} cuts recovered"
    );
}

#[test]
fn files_that_are_not_recordings_are_refused_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("x.wav");
    frontdesk_testbed::tone_wav(&wav, 440.0, 0.5, 16_000).unwrap();
    for (name, bytes) in [
        ("wav", std::fs::read(&wav).unwrap()),
        ("text", b"hello, not audio at all".to_vec()),
        ("zeros", vec![0; 4096]),
        (
            "random",
            (0..5000u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).unwrap();
        let e = recover(&p).unwrap_err();
        assert!(
            matches!(e, RecordingError::NotOggOpus { .. }),
            "{name}: {e}"
        );
        assert!(e.to_string().contains("not an Ogg Opus recording"), "{e}");
        assert!(read_pcm(&p).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), bytes, "{name} was modified");
    }
    let empty = dir.path().join("empty.opus");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        recover(&empty),
        Err(RecordingError::NoAudio { bytes: 0, .. })
    ));
    let missing = recover(&dir.path().join("missing.opus")).unwrap_err();
    assert!(missing.to_string().contains("missing.opus"), "{missing}");
}

#[test]
fn a_damaged_page_in_the_middle_keeps_the_audio_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.opus");
    record(&path, &sine(600.0, 4.0, -10.0));
    let mut data = std::fs::read(&path).unwrap();
    let mid = data.len() / 2;
    data[mid] ^= 0x55;
    std::fs::write(&path, &data).unwrap();
    let r = recover(&path).unwrap();
    assert!(r.truncated_bytes > 0);
    assert!(
        r.duration > Duration::from_millis(1000) && r.duration < Duration::from_millis(2600),
        "{r:?}"
    );
    let (pcm, _) = read_pcm(&path).unwrap();
    assert!((pcm.len() as f64 / RATE as f64 - r.duration.as_secs_f64()).abs() < 1e-6);
}

#[test]
fn an_existing_file_is_never_overwritten_and_odd_rates_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taken.opus");
    std::fs::write(&path, b"an earlier message").unwrap();
    let e = Recorder::create(&path, RATE).unwrap_err();
    assert!(e.to_string().contains("taken.opus"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), b"an earlier message");
    let e = Recorder::create(&dir.path().join("x.opus"), 44_100).unwrap_err();
    assert!(e.to_string().contains("16000"), "{e}");
}

#[test]
fn an_empty_recording_and_one_in_a_new_directory_work() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox/2024/empty.opus");
    let info = Recorder::create(&path, RATE).unwrap().finish().unwrap();
    assert_eq!(info.duration, Duration::ZERO);
    let (pcm, _) = read_pcm(&path).unwrap();
    assert!(pcm.is_empty());
    assert!(recover(&path).unwrap().was_finished);

    // 8 kHz input is decoded to 16 kHz like everything else.
    let narrow = dir.path().join("narrow.opus");
    let mut rec = Recorder::create(&narrow, 8000).unwrap();
    let tone: Vec<i16> = (0..8000)
        .map(|i| (10000.0 * (std::f64::consts::TAU * 500.0 * i as f64 / 8000.0).sin()) as i16)
        .collect();
    rec.push(&tone).unwrap();
    rec.finish().unwrap();
    let (pcm, rate) = read_pcm(&narrow).unwrap();
    assert_eq!((pcm.len(), rate), (16_000, 16_000));
}
