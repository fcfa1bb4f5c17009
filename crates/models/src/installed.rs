//! The models folder: what is installed, which model to use, and removing one.

use crate::catalogue::{file_name, name_from_file};
use crate::ModelError;
use std::path::{Path, PathBuf};

/// The models folder of a data directory: `<data dir>/models`, where installs go and where the
/// voicemail looks when no model file is configured.
pub fn models_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("models")
}

/// The partial download of `file` (`ggml-<name>.bin.part`): the installed file only appears
/// once its digest matched, so a `.part` is never mistaken for a model.
pub fn part_path(dir: &Path, file: &str) -> PathBuf {
    dir.join(format!("{file}.part"))
}

/// A model file in the models folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledModel {
    /// The model name (`base.en`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Whether this is only a partial download (`.part`), resumable by installing again.
    pub partial: bool,
}

/// The models in `dir` (`ggml-<name>.bin`) and the partial downloads (`ggml-<name>.bin.part`),
/// sorted by name, complete ones before partial ones of the same name. A missing folder has
/// none.
pub fn installed(dir: &Path) -> Vec<InstalledModel> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<InstalledModel> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file = entry.file_name().into_string().ok()?;
            let (base, partial) = match file.strip_suffix(".part") {
                Some(base) => (base, true),
                None => (file.as_str(), false),
            };
            let name = name_from_file(base)?.to_owned();
            let metadata = std::fs::metadata(entry.path()).ok()?;
            metadata.is_file().then(|| InstalledModel {
                name,
                path: entry.path(),
                bytes: metadata.len(),
                partial,
            })
        })
        .collect();
    found.sort_by(|a, b| (&a.name, a.partial).cmp(&(&b.name, b.partial)));
    found
}

/// The model to use from `dir`: `ggml-<preferred>.bin` if it is there, else the first
/// complete `ggml-*.bin` by name (the same rule `frontdesk transcribe` follows), else `None`.
pub fn find_model(dir: &Path, preferred: &str) -> Option<PathBuf> {
    if let Ok(file) = file_name(preferred) {
        let path = dir.join(file);
        if path.is_file() {
            return Some(path);
        }
    }
    installed(dir)
        .into_iter()
        .find(|model| !model.partial)
        .map(|model| model.path)
}

/// Where the voicemail's model comes from, in this order: the configured file (when set, the
/// only one that counts, so a typo is reported rather than silently replaced), the file named
/// by the environment (`$FRONTDESK_WHISPER_MODEL`, if it exists), the preferred or first
/// model in the manager's folder, then the same in a fallback folder (the user's default data
/// directory when the configured one is elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelLookup {
    /// `[voicemail] model`.
    pub configured: Option<PathBuf>,
    /// The model named by the environment.
    pub from_env: Option<PathBuf>,
    /// `<data dir>/models` ([`models_dir`]).
    pub models_dir: PathBuf,
    /// `[voicemail] model_name`, else [`crate::DEFAULT_MODEL`].
    pub preferred: String,
    /// Another folder to look in last.
    pub fallback_dir: Option<PathBuf>,
}

impl ModelLookup {
    /// The model file to use now, if there is one. It looks at the disk each time (a stat or
    /// a folder listing), so a model installed meanwhile is found.
    pub fn find(&self) -> Option<PathBuf> {
        if let Some(path) = &self.configured {
            return path.is_file().then(|| path.clone());
        }
        self.from_env
            .clone()
            .filter(|path| path.is_file())
            .or_else(|| find_model(&self.models_dir, &self.preferred))
            .or_else(|| {
                let fallback = self.fallback_dir.as_ref()?;
                find_model(fallback, &self.preferred)
            })
    }
}

/// Deletes model `name` from `dir`, with its partial download if any; returns what was
/// deleted. [`ModelError::NotInstalled`] when there was nothing.
pub fn remove(dir: &Path, name: &str) -> Result<Vec<PathBuf>, ModelError> {
    let file = file_name(name)?;
    let mut removed = Vec::new();
    for path in [dir.join(&file), part_path(dir, &file)] {
        match std::fs::remove_file(&path) {
            Ok(()) => removed.push(path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ModelError::io(path, e)),
        }
    }
    if removed.is_empty() {
        return Err(ModelError::NotInstalled {
            name: name.to_owned(),
            dir: dir.to_path_buf(),
        });
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, bytes: usize) {
        std::fs::write(dir.join(file), vec![b'x'; bytes]).unwrap();
    }

    #[test]
    fn lists_models_and_partial_downloads_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        assert!(installed(&dir.path().join("missing")).is_empty());
        write(dir.path(), "ggml-small.bin", 3);
        write(dir.path(), "ggml-base.en.bin", 2);
        write(dir.path(), "ggml-small.bin.part", 1);
        write(dir.path(), "ggml-large.bin.part", 5);
        write(dir.path(), "notes.txt", 1);
        write(dir.path(), "ggml-.bin", 1);
        std::fs::create_dir(dir.path().join("ggml-dir.bin")).unwrap();
        let list: Vec<(String, u64, bool)> = installed(dir.path())
            .into_iter()
            .map(|m| (m.name, m.bytes, m.partial))
            .collect();
        assert_eq!(
            list,
            [
                ("base.en".into(), 2, false),
                ("large".into(), 5, true),
                ("small".into(), 3, false),
                ("small".into(), 1, true),
            ]
        );
    }

    #[test]
    fn the_preferred_model_first_then_the_first_by_name() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(find_model(dir.path(), "base"), None);
        write(dir.path(), "ggml-base.bin.part", 1);
        assert_eq!(find_model(dir.path(), "base"), None, "a .part is no model");
        write(dir.path(), "ggml-small.bin", 1);
        write(dir.path(), "ggml-medium.bin", 1);
        assert_eq!(
            find_model(dir.path(), "base"),
            Some(dir.path().join("ggml-medium.bin"))
        );
        assert_eq!(
            find_model(dir.path(), "small"),
            Some(dir.path().join("ggml-small.bin"))
        );
        assert_eq!(
            find_model(dir.path(), "../evil"),
            Some(dir.path().join("ggml-medium.bin"))
        );
    }

    #[test]
    fn a_configured_model_is_the_only_one_that_counts() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "ggml-base.bin", 1);
        let configured = dir.path().join("mine.bin");
        let lookup = ModelLookup {
            configured: Some(configured.clone()),
            from_env: None,
            models_dir: dir.path().to_path_buf(),
            preferred: "base".into(),
            fallback_dir: None,
        };
        assert_eq!(lookup.find(), None, "missing: no other model instead");
        write(dir.path(), "mine.bin", 1);
        assert_eq!(lookup.find(), Some(configured));
    }

    #[test]
    fn the_environment_then_the_managers_folder_then_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        let fallback = dir.path().join("fallback");
        std::fs::create_dir(&models).unwrap();
        std::fs::create_dir(&fallback).unwrap();
        let mut lookup = ModelLookup {
            configured: None,
            from_env: Some(dir.path().join("env.bin")),
            models_dir: models.clone(),
            preferred: "base".into(),
            fallback_dir: Some(fallback.clone()),
        };
        assert_eq!(lookup.find(), None);
        write(&fallback, "ggml-tiny.bin", 1);
        assert_eq!(lookup.find(), Some(fallback.join("ggml-tiny.bin")));
        write(&models, "ggml-small.bin", 1);
        assert_eq!(
            lookup.find(),
            Some(models.join("ggml-small.bin")),
            "a missing file in the environment is passed over"
        );
        write(&models, "ggml-base.bin", 1);
        assert_eq!(lookup.find(), Some(models.join("ggml-base.bin")));
        write(dir.path(), "env.bin", 1);
        assert_eq!(lookup.find(), Some(dir.path().join("env.bin")));
        lookup.from_env = None;
        lookup.preferred = "small".into();
        assert_eq!(lookup.find(), Some(models.join("ggml-small.bin")));
    }

    #[test]
    fn remove_deletes_the_model_and_its_partial_download() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "ggml-base.bin", 1);
        write(dir.path(), "ggml-base.bin.part", 1);
        write(dir.path(), "ggml-small.bin", 1);
        let removed = remove(dir.path(), "base").unwrap();
        assert_eq!(removed.len(), 2);
        assert!(!dir.path().join("ggml-base.bin").exists());
        assert!(!dir.path().join("ggml-base.bin.part").exists());
        assert!(dir.path().join("ggml-small.bin").exists());
        let error = remove(dir.path(), "base").unwrap_err();
        assert!(
            matches!(error, ModelError::NotInstalled { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().contains("frontdesk model list"),
            "{error}"
        );
        assert!(matches!(
            remove(dir.path(), "../x"),
            Err(ModelError::BadName { .. })
        ));
    }
}
