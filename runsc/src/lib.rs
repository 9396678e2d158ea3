//! The library half of `runsc`: the OCI lifecycle commands ([`oci`]) and the sandbox
//! setup ([`sandbox`]) the binary drives. It is a library so that the pure parts (the
//! bundle's config.json checks in [`oci::parse_spec`] and [`oci::sandbox_config`]) can be
//! fuzzed and tested without the binary.

pub mod oci;
pub mod sandbox;
