//! Unique temporary directories for harness processes.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A temporary directory that is removed on drop unless
/// `FRONTDESK_TESTBED_KEEP` is set in the environment.
#[derive(Debug)]
pub(crate) struct WorkDir {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl WorkDir {
    /// Creates a new directory named after `prefix` under the system temp dir.
    pub(crate) fn new(prefix: &str) -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("frontdesk-{prefix}-"))
            .tempdir()
            .map_err(|e| Error::io("create temporary directory", e))?;
        let path = dir.path().to_path_buf();
        Ok(WorkDir {
            dir: Some(dir),
            path,
        })
    }

    /// Path of the directory.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> Result<PathBuf> {
        let path = self.path.join(name);
        std::fs::write(&path, contents)
            .map_err(|e| Error::io(format!("write {}", path.display()), e))?;
        Ok(path)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        if std::env::var_os("FRONTDESK_TESTBED_KEEP").is_some() {
            if let Some(dir) = self.dir.take() {
                let kept = dir.keep();
                eprintln!("frontdesk-testbed: kept {}", kept.display());
            }
        }
    }
}
