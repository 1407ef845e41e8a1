#![no_main]
#![allow(dead_code)] // the harness holds all three targets; this one runs one of them
//! Fuzz target `partner`: see `fuzz_partner` in ../harness.rs.

include!("../harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_partner(data));
