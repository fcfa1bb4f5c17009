# Shared by scripts/run-app and scripts/test-desktop (sourced, not run): system packages,
# npm, the UI build and the app build, each skipped when already done so reruns are quick.
# Needs Node.js >= 20.19 (Vite 8) and a Rust toolchain. Honours CARGO_TARGET_DIR.

desktop_step() { echo "==> $(basename "$0"): $*" >&2; }

# Installs the Debian/Ubuntu packages given as arguments that are not installed yet.
desktop_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  desktop_step "installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# What building the app needs: the engine's native deps plus WebKitGTK for the webview.
DESKTOP_BUILD_PACKAGES=(build-essential pkg-config file cmake libopus-dev libasound2-dev libwebkit2gtk-4.1-dev)

desktop_require_node() {
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
    echo "$(basename "$0"): Node.js >= 20.19 is needed (found: $(node --version 2>/dev/null || echo none)); install it from nodejs.org or NodeSource" >&2
    exit 1
  fi
}

# `npm ci` unless node_modules already matches package-lock.json.
desktop_npm_ci() {
  if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    return 0
  fi
  desktop_step "npm ci"
  npm ci --no-audit --no-fund
}

# Builds ui/dist unless it is newer than every UI source. Rebuilding it needlessly would
# also make cargo re-embed the assets and relink the app.
desktop_build_ui() {
  if [ -f ui/dist/index.html ] && [ -z "$(find ui/index.html ui/src ui/public ui/package.json ui/vite.config.ts ui/tsconfig.json package-lock.json -newer ui/dist/index.html 2>/dev/null | head -n1)" ]; then
    return 0
  fi
  desktop_step "building the UI (npm run build -w ui)"
  npm run build -w ui
}

. scripts/target-dir.sh
DESKTOP_TARGET_DIR="$CARGO_TARGET_DIR"
