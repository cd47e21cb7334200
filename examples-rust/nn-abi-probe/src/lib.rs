//! `nn-abi-probe`: a reactor-style module for the host's ABI tests. It imports the 12
//! `wasi_ephemeral_nn` functions (and nothing else) and exports one thin wrapper per
//! import, `probe_<name>`, taking and returning raw i32 values, so a test can call any
//! import with arbitrary (also invalid) arguments. `scratch()` gives a 4 MiB zeroed buffer
//! in linear memory for building tensors, builder arrays and strings.
// no_std on wasm (the real build: no WASI imports, no allocator). On other targets the
// crate is an empty std cdylib so `cargo test` on the workspace still builds.
#![cfg_attr(target_arch = "wasm32", no_std)]

#[cfg(target_arch = "wasm32")]
mod probe;
