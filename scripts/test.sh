#!/usr/bin/env bash
# The whole test suite: unit tests, proptests, platform tests against real stubs, real
# programs under runsc, and the conformance programs (native vs sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo test --workspace "$@"
