//! The `path_resolution` fuzz target: [`fuzz::path::fuzz`] on every input. Built with `--cfg fuzzing`
//! (cargo fuzz, scripts/fuzz.sh) it is a libFuzzer binary; otherwise a program that
//! replays the files and directories it is given (a crash's reproducer, a corpus).
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz::path::fuzz(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    fuzz::replay_args(fuzz::path::fuzz)
}
