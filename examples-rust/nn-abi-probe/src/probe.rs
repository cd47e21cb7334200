//! The wasm32-only body of the crate (see lib.rs).

#[link(wasm_import_module = "wasi_ephemeral_nn")]
extern "C" {
    fn load(builder_ptr: i32, builder_len: i32, encoding: i32, target: i32, graph_out: i32) -> i32;
    fn load_by_name(name_ptr: i32, name_len: i32, graph_out: i32) -> i32;
    fn load_by_name_with_config(name_ptr: i32, name_len: i32, config_ptr: i32, config_len: i32, graph_out: i32) -> i32;
    fn init_execution_context(graph: i32, ctx_out: i32) -> i32;
    fn set_input(ctx: i32, index: i32, tensor_ptr: i32) -> i32;
    fn compute(ctx: i32) -> i32;
    fn get_output(ctx: i32, index: i32, out_ptr: i32, out_max_len: i32, bytes_written_out: i32) -> i32;
    fn compute_single(ctx: i32) -> i32;
    fn get_output_single(ctx: i32, index: i32, out_ptr: i32, out_max_len: i32, bytes_written_out: i32) -> i32;
    fn fini_single(ctx: i32) -> i32;
    fn unload(graph: i32) -> i32;
    fn finalize_execution_context(ctx: i32) -> i32;
}

#[no_mangle]
pub extern "C" fn probe_load(builder_ptr: i32, builder_len: i32, encoding: i32, target: i32, graph_out: i32) -> i32 {
    unsafe { load(builder_ptr, builder_len, encoding, target, graph_out) }
}

#[no_mangle]
pub extern "C" fn probe_load_by_name(name_ptr: i32, name_len: i32, graph_out: i32) -> i32 {
    unsafe { load_by_name(name_ptr, name_len, graph_out) }
}

#[no_mangle]
pub extern "C" fn probe_load_by_name_with_config(
    name_ptr: i32,
    name_len: i32,
    config_ptr: i32,
    config_len: i32,
    graph_out: i32,
) -> i32 {
    unsafe { load_by_name_with_config(name_ptr, name_len, config_ptr, config_len, graph_out) }
}

#[no_mangle]
pub extern "C" fn probe_init_execution_context(graph: i32, ctx_out: i32) -> i32 {
    unsafe { init_execution_context(graph, ctx_out) }
}

#[no_mangle]
pub extern "C" fn probe_set_input(ctx: i32, index: i32, tensor_ptr: i32) -> i32 {
    unsafe { set_input(ctx, index, tensor_ptr) }
}

#[no_mangle]
pub extern "C" fn probe_compute(ctx: i32) -> i32 {
    unsafe { compute(ctx) }
}

#[no_mangle]
pub extern "C" fn probe_get_output(ctx: i32, index: i32, out_ptr: i32, out_max_len: i32, bytes_written_out: i32) -> i32 {
    unsafe { get_output(ctx, index, out_ptr, out_max_len, bytes_written_out) }
}

#[no_mangle]
pub extern "C" fn probe_compute_single(ctx: i32) -> i32 {
    unsafe { compute_single(ctx) }
}

#[no_mangle]
pub extern "C" fn probe_get_output_single(
    ctx: i32,
    index: i32,
    out_ptr: i32,
    out_max_len: i32,
    bytes_written_out: i32,
) -> i32 {
    unsafe { get_output_single(ctx, index, out_ptr, out_max_len, bytes_written_out) }
}

#[no_mangle]
pub extern "C" fn probe_fini_single(ctx: i32) -> i32 {
    unsafe { fini_single(ctx) }
}

#[no_mangle]
pub extern "C" fn probe_unload(graph: i32) -> i32 {
    unsafe { unload(graph) }
}

#[no_mangle]
pub extern "C" fn probe_finalize_execution_context(ctx: i32) -> i32 {
    unsafe { finalize_execution_context(ctx) }
}

const SCRATCH_LEN: usize = 4 << 20;

// 16-byte alignment so any tensor element type can be placed at the start.
#[repr(C, align(16))]
struct Scratch([u8; SCRATCH_LEN]);

// Zero-initialised, so it lives in .bss: it costs memory pages, not file size.
static mut SCRATCH: Scratch = Scratch([0; SCRATCH_LEN]);

/// Address of the 4 MiB scratch buffer in linear memory (16-byte aligned).
#[no_mangle]
pub extern "C" fn scratch() -> i32 {
    unsafe { core::ptr::addr_of_mut!(SCRATCH) as usize as i32 }
}

/// Length of the scratch buffer in bytes (4194304).
#[no_mangle]
pub extern "C" fn scratch_len() -> i32 {
    SCRATCH_LEN as i32
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}
