//! Fuzzing for rvisor: inputs no application (or config file) should be able to turn into
//! a Sentry panic, hang, leak or privilege. Each module is one target: a `fuzz(data)`
//! function that maps arbitrary bytes onto the code under test and panics when an
//! invariant breaks. `fuzz_targets/` wraps each in a libFuzzer binary for cargo fuzz
//! (see the crate's README.md for the commands); the committed seed corpora under
//! `corpus/` are replayed by this crate's tests on every CI run.
//!
//! - [`syscalls`]: sequences of system calls against an in-process kernel on the scripted
//!   platform (also driven by a proptest, `FUZZ_CASES=N` for more cases).
//! - [`elf`]: arbitrary executables and interpreters through the ELF loader.
//! - [`path`]: arbitrary paths over a tmpfs tree and an overlay root with symlinks and
//!   mounts.
//! - [`oci`]: arbitrary config.json text through runsc's bundle checks.
//! - [`sigreturn`]: arbitrary signal frames restored as rt_sigreturn does.
//!
//! There are no packet or netlink targets: the Sentry has no packet stack nor netlink
//! decoder yet (loopback inet sockets carry no frames). The gofer protocol and the replay
//! trace format do not exist yet either.
//!
//! # Planted-panic check
//!
//! To show that the `syscalls` target reaches real handler code, a panic was planted once
//! in a handler (`getpriority`, when its `who` argument equals a 32-bit magic value) and
//! the target run over the committed corpus until it crashed: see the README for the
//! time it took. The panic was then removed.
#![forbid(unsafe_code)]

pub mod elf;
pub mod oci;
pub mod path;
pub mod sigreturn;
pub mod syscalls;

use std::path::Path;
use std::process::ExitCode;

/// Every file under `dir` (or `dir` itself if it is a file), sorted.
pub fn inputs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            for e in entries.flatten() {
                out.extend(inputs(&e.path()));
            }
        }
        Err(_) if dir.is_file() => out.push(dir.to_path_buf()),
        Err(_) => {}
    }
    out.sort();
    out
}

/// Run `target` on every file named on the command line (files or directories): what a
/// fuzz target binary does when built without libFuzzer.
pub fn replay_args(target: fn(&[u8])) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: TARGET FILE_OR_DIR... (replays each input; built with --cfg fuzzing it fuzzes)");
        return ExitCode::from(2);
    }
    let mut n = 0;
    for a in &args {
        for f in inputs(Path::new(a)) {
            match std::fs::read(&f) {
                Ok(data) => {
                    eprintln!("{}", f.display());
                    target(&data);
                    n += 1;
                }
                Err(e) => {
                    eprintln!("{}: {e}", f.display());
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    eprintln!("{n} inputs ran");
    ExitCode::SUCCESS
}
