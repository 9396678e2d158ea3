#!/usr/bin/env bash
# The foundation's two figures, native and sandboxed in the same run: the per-call cost of
# getpid and the wall time of running /bin/true. Uses the reference programs in
# ../shared/bench. Prints a table with ratios to native; never part of the tests.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/setup.sh"
shared="$here/../shared/bench"
[[ -d $shared ]] || { echo "bench: $shared not found" >&2; exit 1; }
work="$here/target/bench"
mkdir -p "$work"
cp "$shared"/*.c "$shared"/common.h "$shared"/Makefile "$work"/
make -s -C "$work" getpid coldstart >/dev/null
cargo build --quiet --release --manifest-path "$here/Cargo.toml" -p runsc
runsc="$here/target/release/runsc"
runs=${RUNS:-5}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
getpid_native=$(for _ in $(seq "$runs"); do "$work/getpid" | awk '{print $2}'; done | median)
getpid_sandbox=$(for _ in $(seq "$runs"); do ITERS=50000 "$runsc" do "$work/getpid" | awk '{print $2}'; done | median)
true_native=$("$work/coldstart" 30 /bin/true | awk '{print $2 * 1000}')
true_sandbox=$("$work/coldstart" 30 "$runsc" do /bin/true | awk '{print $2 * 1000}')

printf '%-22s %12s %12s %8s\n' benchmark native sandbox ratio
printf '%-22s %9.0f ns %9.0f ns %7.1fx\n' "getpid (per call)" "$getpid_native" "$getpid_sandbox" \
    "$(awk -v a="$getpid_sandbox" -v b="$getpid_native" 'BEGIN {print a / b}')"
printf '%-22s %9.0f us %9.0f us %7.1fx\n' "/bin/true (wall)" "$true_native" "$true_sandbox" \
    "$(awk -v a="$true_sandbox" -v b="$true_native" 'BEGIN {print a / b}')"
