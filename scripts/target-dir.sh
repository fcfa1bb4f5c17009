# Sourced by the scripts: builds go outside the clone so a fresh clone reuses earlier builds —
# a target dir beside the clone when there is one, else the user's cache. An explicit
# CARGO_TARGET_DIR wins.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  if [ -d ../target ]; then
    CARGO_TARGET_DIR="$(cd ../target && pwd)"
  else
    CARGO_TARGET_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/frontdesk/target"
    mkdir -p "$CARGO_TARGET_DIR"
  fi
fi
export CARGO_TARGET_DIR
