#!/usr/bin/env bash
# Fails when ui/src/api/generated.ts no longer matches the Rust types in crates/api.
# The comparison is done by a Rust test so that there is one renderer, not two.
# Regenerate with: FRONTDESK_WRITE_TS=1 cargo test -p frontdesk-api --features ts --test typescript
set -euo pipefail
cd "$(dirname "$0")/../.."
unset FRONTDESK_WRITE_TS
exec cargo test -q -p frontdesk-api --features ts --test typescript
