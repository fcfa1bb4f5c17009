//! Where models live and a cheap check that a file is one, before whisper.cpp sees it.
//!
//! Without a configured model the app looks, in this order, at:
//! 1. `$FRONTDESK_WHISPER_MODEL` (a path to a ggml model file), then
//! 2. the first `ggml-*.bin` (by name) in the user data directory's `frontdesk/models`
//!    folder (`~/.local/share/frontdesk/models` on Linux, or `$XDG_DATA_HOME/frontdesk/models`).
//!
//! Nothing else: no paths relative to the binary or the working directory, so what is used is
//! always explainable.

use crate::TranscribeError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Environment variable naming the model to use when none is configured (scripts, tests).
pub const MODEL_ENV: &str = "FRONTDESK_WHISPER_MODEL";

/// The first four bytes of a ggml Whisper model: `GGML_FILE_MAGIC` 0x67676d6c, little-endian.
const GGML_MAGIC: [u8; 4] = *b"lmgg";

/// The folder where installed models go: `<user data dir>/frontdesk/models`. `None` when the
/// platform has no user data directory (no `$HOME`).
pub fn models_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("frontdesk").join("models"))
}

/// The model to use when nothing is configured: `$FRONTDESK_WHISPER_MODEL` if set (even if the
/// file is missing, so loading it says which path was wrong), else the first `ggml-*.bin` in
/// [`models_dir`]. `None` when neither gives a path.
pub fn default_model_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(MODEL_ENV).filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(path));
    }
    model_in_dir(&models_dir()?)
}

/// The first `ggml-*.bin` file (sorted by name) in `dir`, for an app whose data directory is
/// configured elsewhere than the default. `None` when the folder is missing or holds none.
pub fn model_in_dir(dir: &Path) -> Option<PathBuf> {
    let mut models: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("ggml-") && name.ends_with(".bin") && path.is_file()
        })
        .collect();
    models.sort();
    models.into_iter().next()
}

/// [`models_dir`] as text for error messages.
pub(crate) fn models_dir_for_messages() -> String {
    models_dir()
        .map(|dir| dir.display().to_string())
        .unwrap_or_else(|| "the frontdesk/models folder of your data directory".into())
}

/// Checks that `path` is a readable file starting with the ggml magic, so the common mistakes
/// (wrong path, a directory, a download error page) get a precise message instead of
/// whisper.cpp's generic failure.
pub(crate) fn check_model_file(path: &Path) -> Result<(), TranscribeError> {
    let unreadable = |reason: String| TranscribeError::ModelUnreadable {
        path: path.to_path_buf(),
        reason,
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(TranscribeError::ModelMissing {
                path: path.to_path_buf(),
            })
        }
        Err(e) => return Err(unreadable(e.to_string())),
    };
    if !metadata.is_file() {
        return Err(unreadable("it is a directory, not a file".into()));
    }
    let mut magic = [0u8; 4];
    let mut file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    match file.read_exact(&mut magic) {
        Ok(()) if magic == GGML_MAGIC => Ok(()),
        Ok(()) => Err(TranscribeError::NotAModel {
            path: path.to_path_buf(),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(TranscribeError::NotAModel {
                path: path.to_path_buf(),
            })
        }
        Err(e) => Err(unreadable(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_in_dir_picks_the_first_ggml_bin_by_name() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(model_in_dir(dir.path()), None);
        for name in ["notes.txt", "ggml-tiny.en.bin.part", "tiny.bin"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("ggml-dir.bin")).unwrap();
        assert_eq!(model_in_dir(dir.path()), None);
        std::fs::write(dir.path().join("ggml-tiny.en.bin"), b"x").unwrap();
        std::fs::write(dir.path().join("ggml-base.bin"), b"x").unwrap();
        assert_eq!(
            model_in_dir(dir.path()),
            Some(dir.path().join("ggml-base.bin"))
        );
        assert_eq!(model_in_dir(&dir.path().join("missing")), None);
    }

    #[test]
    fn check_model_file_names_each_mistake() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("ggml-missing.bin");
        assert!(matches!(
            check_model_file(&missing),
            Err(TranscribeError::ModelMissing { .. })
        ));
        assert!(matches!(
            check_model_file(dir.path()),
            Err(TranscribeError::ModelUnreadable { .. })
        ));
        let short = dir.path().join("short.bin");
        std::fs::write(&short, b"lm").unwrap();
        assert!(matches!(
            check_model_file(&short),
            Err(TranscribeError::NotAModel { .. })
        ));
        let html = dir.path().join("page.bin");
        std::fs::write(&html, b"<html>Not Found</html>").unwrap();
        assert!(matches!(
            check_model_file(&html),
            Err(TranscribeError::NotAModel { .. })
        ));
        let magic_only = dir.path().join("magic.bin");
        std::fs::write(&magic_only, b"lmgg").unwrap();
        assert!(check_model_file(&magic_only).is_ok());
    }
}
