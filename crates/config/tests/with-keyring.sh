#!/usr/bin/env bash
# Runs a command against a real, private, unlocked gnome-keyring.
#
#   crates/config/tests/with-keyring.sh cargo test -p frontdesk-config --test keyring
#
# The command runs inside its own D-Bus session bus (dbus-run-session) with a
# fresh gnome-keyring whose files live in a temporary HOME, so the user's real
# keyring is never touched, and FRONTDESK_REQUIRE_KEYRING=1 is exported so the
# keyring tests fail rather than skip if the Secret Service is not reachable.
#
# Needs (Debian/Ubuntu): apt-get install -y --no-install-recommends gnome-keyring dbus dbus-bin
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

if [ -z "${FRONTDESK_KEYRING_SESSION:-}" ]; then
    # Outer half: set up a throw-away home and start a private session bus.
    for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "$0: $tool not found; install it with:" >&2
            echo "  apt-get install -y --no-install-recommends gnome-keyring dbus dbus-bin" >&2
            exit 127
        fi
    done
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/frontdesk-keyring.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    # Keep the Rust toolchain reachable after HOME changes.
    export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
    if [ -z "${RUSTUP_HOME:-}" ] && [ -d "$HOME/.rustup" ]; then
        export RUSTUP_HOME="$HOME/.rustup"
    fi
    mkdir -p "$tmp/home" "$tmp/data" "$tmp/config" "$tmp/cache" "$tmp/run"
    chmod 700 "$tmp/run"
    export HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
        XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run"
    unset DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
    status=0
    FRONTDESK_KEYRING_SESSION=1 dbus-run-session -- "$0" "$@" || status=$?
    exit "$status"
fi

# Inner half: we are on the private bus. Start gnome-keyring in the foreground
# (so we know its pid and can stop it) and create/unlock its login keyring.
printf '%s' "frontdesk-test-keyring" |
    gnome-keyring-daemon --foreground --unlock --components=secrets \
        >"$XDG_RUNTIME_DIR/gnome-keyring.out" 2>"$XDG_RUNTIME_DIR/gnome-keyring.err" &
keyring_pid=$!
trap 'kill "$keyring_pid" 2>/dev/null || true; wait "$keyring_pid" 2>/dev/null || true' EXIT

# Wait (at most 10 s) until the daemon owns the Secret Service bus name.
for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
        grep -q 'boolean true'; then
        break
    fi
    if ! kill -0 "$keyring_pid" 2>/dev/null; then
        echo "$0: gnome-keyring-daemon exited early:" >&2
        cat "$XDG_RUNTIME_DIR/gnome-keyring.err" >&2
        exit 1
    fi
    sleep 0.1
done

export FRONTDESK_REQUIRE_KEYRING=1
"$@"
