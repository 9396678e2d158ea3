#!/usr/bin/env bash
# Build runsc (release) and run it: scripts/runsc.sh do /bin/echo hello
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/setup.sh"
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p runsc
exec "$here/target/release/runsc" "$@"
