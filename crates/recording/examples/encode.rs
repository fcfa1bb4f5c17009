//! Encode a 16 kHz mono 16-bit WAV to an Ogg Opus recording, as the voicemail
//! would record it: `cargo run -p frontdesk-recording --example encode -- in.wav out.opus`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: encode IN.wav OUT.opus (16-bit mono WAV)".into());
    };
    let mut wav = hound::WavReader::open(input)?;
    let spec = wav.spec();
    if spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(format!("{}: need a 16-bit mono WAV", input.display()).into());
    }
    let samples = wav.samples::<i16>().collect::<Result<Vec<_>, _>>()?;
    let mut rec = frontdesk_recording::Recorder::create(output, spec.sample_rate)?;
    rec.push(&samples)?;
    let info = rec.finish()?;
    println!(
        "{}: {:.2} s, {} bytes",
        info.path.display(),
        info.duration.as_secs_f64(),
        info.bytes
    );
    Ok(())
}
