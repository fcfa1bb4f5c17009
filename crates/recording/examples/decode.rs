//! Decodes a recording to a 16-bit mono 16 kHz WAV: `decode IN.opus OUT.wav`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: decode IN.opus OUT.wav".into());
    };
    let length = frontdesk_recording::export_wav(input, output)?;
    println!("{}: {:.2} s", output.display(), length.as_secs_f64());
    Ok(())
}
