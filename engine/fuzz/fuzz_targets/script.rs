#![no_main]
#![allow(dead_code)] // the harness holds all three targets; this one runs one of them
//! Fuzz target `script`: see `fuzz_script` in ../harness.rs.

include!("../harness.rs");

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_script(data));
