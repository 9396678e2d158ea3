//! The OCI config target: arbitrary bytes as a bundle's config.json, through runsc's
//! checks ([`runsc::oci::parse_spec`]) and, when they pass, the sandbox configuration
//! they describe ([`runsc::oci::sandbox_config`]). The bundle is a fixture directory with
//! a `rootfs/` and a `data/` directory.
//!
//! Invariants: no panic; an accepted spec yields a configuration with a program to run
//! and an absolute working directory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn bundle() -> &'static Path {
    static BUNDLE: OnceLock<PathBuf> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        // The same directories for every process: creating them is idempotent.
        let p = std::env::temp_dir().join("rvisor-fuzz-oci-bundle");
        for d in ["rootfs/bin", "data"] {
            std::fs::create_dir_all(p.join(d)).expect("the oci target's bundle directory");
        }
        p
    })
}

/// The fuzz target.
pub fn fuzz(data: &[u8]) {
    let bundle = bundle();
    let Ok(spec) = runsc::oci::parse_spec(data, bundle) else {
        return;
    };
    match runsc::oci::sandbox_config(&spec, bundle, false) {
        Ok(cfg) => {
            assert!(!cfg.argv.is_empty(), "an accepted spec without a program");
            assert!(cfg.cwd.first() == Some(&b'/'), "an accepted spec with a relative cwd");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}
