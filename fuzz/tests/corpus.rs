//! Every committed seed (and every regression input) of every fuzz target runs through its
//! target on each CI run, without libFuzzer.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    let files = fuzz::inputs(&dir);
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    for f in files {
        let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        run(&data);
    }
}

#[test]
fn syscalls_corpus() {
    replay("syscalls", fuzz::syscalls::fuzz);
}

#[test]
fn elf_loader_corpus() {
    replay("elf_loader", fuzz::elf::fuzz);
}

#[test]
fn path_resolution_corpus() {
    replay("path_resolution", fuzz::path::fuzz);
}

#[test]
fn oci_config_corpus() {
    replay("oci_config", fuzz::oci::fuzz);
}

#[test]
fn sigreturn_corpus() {
    replay("sigreturn", fuzz::sigreturn::fuzz);
}

/// The seeds mean what they were made to mean.
#[test]
fn seeds_reach_the_code() {
    let seed =
        |t: &str, f: &str| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(t).join(f)).unwrap();
    // The loader accepts the hand-made executables.
    for f in ["static", "pie-bss", "dynamic-with-interp"] {
        let data = seed("elf_loader", f);
        let (exe, interp) = fuzz::elf::split(&data);
        let r = fuzz::elf::load(exe, interp);
        assert!(r.is_ok(), "{f}: {r:?}");
    }
    // A random syscall seed decodes into several calls.
    assert!(fuzz::syscalls::sequence(&seed("syscalls", "random-400")).len() > 5);
    // The minimal config is accepted.
    let bundle = std::env::temp_dir().join("rvisor-fuzz-oci-bundle");
    fuzz::oci::fuzz(&seed("oci_config", "minimal.json"));
    let spec = runsc::oci::parse_spec(&seed("oci_config", "minimal.json"), &bundle).unwrap();
    assert!(runsc::oci::sandbox_config(&spec, &bundle, false).is_ok());
}
