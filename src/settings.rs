//! Which configuration a command runs on.

use crate::failure::Failure;
use frontdesk_config::Config;
use std::path::Path;

/// The config from `--config FILE`, else `$XDG_CONFIG_HOME/frontdesk/config.toml` if it
/// exists, else the built-in defaults: the rule the desktop app follows too.
pub fn load(explicit: Option<&Path>) -> Result<Config, Failure> {
    Config::load_preferred(explicit).map_err(|e| Failure::Usage(format!("config: {e}")))
}
