//! Which configuration a command runs on.

use crate::failure::Failure;
use frontdesk_config::Config;
use std::path::Path;

/// The config from `--config FILE`, else `$XDG_CONFIG_HOME/frontdesk/config.toml` if it
/// exists, else the built-in defaults. An explicit file that is missing is an error, since
/// silently running on defaults would hide a typo in the path.
pub fn load(explicit: Option<&Path>) -> Result<Config, Failure> {
    let loaded = match explicit {
        Some(path) => Config::load(path),
        None => match Config::default_path() {
            Some(path) => Config::load_or_default(&path),
            None => Config::embedded_default(),
        },
    };
    loaded.map_err(|e| Failure::Usage(format!("config: {e}")))
}
