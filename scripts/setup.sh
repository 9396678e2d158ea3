#!/usr/bin/env bash
# Install what building, running and testing rvisor needs on a fresh Debian machine.
# Idempotent: installs only what is missing.
set -euo pipefail

need_apt=()
for pair in gcc:gcc make:make git:git bash:bash busybox:busybox python3:python3 sqlite3:sqlite3 node:nodejs javac:default-jdk-headless curl:curl /usr/include/stdio.h:libc6-dev; do
    probe=${pair%%:*}
    pkg=${pair#*:}
    if [[ $probe == /* ]]; then
        [[ -e $probe ]] || need_apt+=("$pkg")
    else
        # The programs the tests run must be the system's own, under /usr/bin or /bin.
        [[ -x /usr/bin/$probe || -x /bin/$probe ]] || need_apt+=("$pkg")
    fi
done
if ((${#need_apt[@]})); then
    echo "setup: installing ${need_apt[*]}" >&2
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null 2>&1; then
    if [[ -x "$HOME/.cargo/bin/cargo" ]]; then
        export PATH="$HOME/.cargo/bin:$PATH"
    else
        echo "setup: cargo is missing; install a current Rust toolchain with rustup (https://rustup.rs)" >&2
        exit 1
    fi
fi
