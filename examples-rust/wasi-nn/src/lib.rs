//! Std-only bindings for the `wasi_ephemeral_nn` (WASI-NN preview1) host API.
//!
//! The safe API follows the shape of the well-known `wasi-nn` crate (0.6), so a guest
//! written against that crate usually only needs to swap the dependency:
//!
//! ```no_run
//! use wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};
//!
//! # fn main() -> Result<(), wasi_nn::Error> {
//! let graph = GraphBuilder::new(GraphEncoding::Onnx, ExecutionTarget::CPU)
//!     .build_from_cache("mobilenet")?;
//! let mut ctx = graph.init_execution_context()?;
//! let input = vec![0f32; 3 * 224 * 224];
//! ctx.set_input(0, TensorType::F32, &[1, 3, 224, 224], &input)?;
//! ctx.compute()?;
//! let mut logits = vec![0f32; 1000];
//! let bytes = ctx.get_output(0, &mut logits)?;
//! # let _ = bytes;
//! # Ok(())
//! # }
//! ```
//!
//! Tensor types are sent with the *current* numbering (F16 0, F32 1, F64 2, U8 3, I32 4,
//! I64 5) as a full little-endian u32.

use std::fmt;
use std::mem;
use std::path::Path;
use std::str::FromStr;

/// The raw `wasi_ephemeral_nn` imports. Every parameter is an i32 on the wire; pointers
/// are guest linear-memory addresses. Results come back through out-pointers and the
/// return value is an nn errno (0 = success).
pub mod raw {
    /// One entry of a graph builder array (8 bytes on wasm32).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct GraphBuilder {
        pub data_ptr: u32,
        pub data_len: u32,
    }

    /// The tensor descriptor passed to `set_input` (20 bytes, align 4).
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub struct Tensor {
        pub dims_ptr: u32,
        pub dims_len: u32,
        /// Written as a full u32 so hosts that read 1 or 4 bytes agree.
        pub tensor_type: u32,
        pub data_ptr: u32,
        pub data_len: u32,
    }

    pub type Graph = u32;
    pub type GraphExecutionContext = u32;
    pub type Errno = u32;

    #[cfg(target_arch = "wasm32")]
    #[link(wasm_import_module = "wasi_ephemeral_nn")]
    extern "C" {
        pub fn load(
            builder_array_ptr: *const GraphBuilder,
            builder_array_len: u32,
            encoding: u32,
            target: u32,
            graph_out: *mut Graph,
        ) -> Errno;
        pub fn load_by_name(name_ptr: *const u8, name_len: u32, graph_out: *mut Graph) -> Errno;
        pub fn load_by_name_with_config(
            name_ptr: *const u8,
            name_len: u32,
            config_ptr: *const u8,
            config_len: u32,
            graph_out: *mut Graph,
        ) -> Errno;
        pub fn init_execution_context(graph: Graph, ctx_out: *mut GraphExecutionContext) -> Errno;
        pub fn set_input(ctx: GraphExecutionContext, index: u32, tensor: *const Tensor) -> Errno;
        pub fn compute(ctx: GraphExecutionContext) -> Errno;
        pub fn get_output(
            ctx: GraphExecutionContext,
            index: u32,
            out_ptr: *mut u8,
            out_max_len: u32,
            bytes_written_out: *mut u32,
        ) -> Errno;
        pub fn compute_single(ctx: GraphExecutionContext) -> Errno;
        pub fn get_output_single(
            ctx: GraphExecutionContext,
            index: u32,
            out_ptr: *mut u8,
            out_max_len: u32,
            bytes_written_out: *mut u32,
        ) -> Errno;
        pub fn fini_single(ctx: GraphExecutionContext) -> Errno;
        pub fn unload(graph: Graph) -> Errno;
        pub fn finalize_execution_context(ctx: GraphExecutionContext) -> Errno;
    }

    // Off wasm there is no host to call: these stand-ins let the crate (and code using it)
    // compile and unit-test on the build machine. Every call reports unsupported_operation.
    #[cfg(not(target_arch = "wasm32"))]
    mod host_stubs {
        #![allow(clippy::missing_safety_doc, unused_variables)]
        use super::*;
        const UNSUPPORTED: Errno = 6;
        pub unsafe fn load(
            builder_array_ptr: *const GraphBuilder,
            builder_array_len: u32,
            encoding: u32,
            target: u32,
            graph_out: *mut Graph,
        ) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn load_by_name(name_ptr: *const u8, name_len: u32, graph_out: *mut Graph) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn load_by_name_with_config(
            name_ptr: *const u8,
            name_len: u32,
            config_ptr: *const u8,
            config_len: u32,
            graph_out: *mut Graph,
        ) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn init_execution_context(graph: Graph, ctx_out: *mut GraphExecutionContext) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn set_input(ctx: GraphExecutionContext, index: u32, tensor: *const Tensor) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn compute(ctx: GraphExecutionContext) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn get_output(
            ctx: GraphExecutionContext,
            index: u32,
            out_ptr: *mut u8,
            out_max_len: u32,
            bytes_written_out: *mut u32,
        ) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn compute_single(ctx: GraphExecutionContext) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn get_output_single(
            ctx: GraphExecutionContext,
            index: u32,
            out_ptr: *mut u8,
            out_max_len: u32,
            bytes_written_out: *mut u32,
        ) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn fini_single(ctx: GraphExecutionContext) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn unload(graph: Graph) -> Errno {
            UNSUPPORTED
        }
        pub unsafe fn finalize_execution_context(ctx: GraphExecutionContext) -> Errno {
            UNSUPPORTED
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    pub use host_stubs::*;
}

// ---------------------------------------------------------------------------------------
// Enums

/// How the model bytes are encoded (`graph_encoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum GraphEncoding {
    Openvino = 0,
    Onnx = 1,
    Tensorflow = 2,
    Pytorch = 3,
    TensorflowLite = 4,
    Autodetect = 5,
}

impl GraphEncoding {
    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<GraphEncoding> {
        Some(match code {
            0 => GraphEncoding::Openvino,
            1 => GraphEncoding::Onnx,
            2 => GraphEncoding::Tensorflow,
            3 => GraphEncoding::Pytorch,
            4 => GraphEncoding::TensorflowLite,
            5 => GraphEncoding::Autodetect,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            GraphEncoding::Openvino => "openvino",
            GraphEncoding::Onnx => "onnx",
            GraphEncoding::Tensorflow => "tensorflow",
            GraphEncoding::Pytorch => "pytorch",
            GraphEncoding::TensorflowLite => "tensorflowlite",
            GraphEncoding::Autodetect => "autodetect",
        }
    }
}

impl fmt::Display for GraphEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for GraphEncoding {
    type Err = String;
    /// Case-insensitive, e.g. `ONNX`, `PyTorch`, `tflite`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "openvino" => GraphEncoding::Openvino,
            "onnx" => GraphEncoding::Onnx,
            "tensorflow" => GraphEncoding::Tensorflow,
            "pytorch" => GraphEncoding::Pytorch,
            "tensorflowlite" | "tflite" => GraphEncoding::TensorflowLite,
            "autodetect" => GraphEncoding::Autodetect,
            _ => return Err(format!("unknown graph encoding '{}'", s)),
        })
    }
}

/// Where the host should run the graph (`execution_target`).
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ExecutionTarget {
    CPU = 0,
    GPU = 1,
    TPU = 2,
    /// WasmEdge / newer-crate extension: let the host choose.
    AUTO = 3,
}

impl ExecutionTarget {
    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<ExecutionTarget> {
        Some(match code {
            0 => ExecutionTarget::CPU,
            1 => ExecutionTarget::GPU,
            2 => ExecutionTarget::TPU,
            3 => ExecutionTarget::AUTO,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ExecutionTarget::CPU => "cpu",
            ExecutionTarget::GPU => "gpu",
            ExecutionTarget::TPU => "tpu",
            ExecutionTarget::AUTO => "auto",
        }
    }
}

impl fmt::Display for ExecutionTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ExecutionTarget {
    type Err = String;
    /// Case-insensitive: `cpu`, `gpu`, `tpu`, `auto`.
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "cpu" => ExecutionTarget::CPU,
            "gpu" => ExecutionTarget::GPU,
            "tpu" => ExecutionTarget::TPU,
            "auto" => ExecutionTarget::AUTO,
            _ => return Err(format!("unknown execution target '{}'", s)),
        })
    }
}

/// Element type of a tensor, with the current (crate 0.6 / WasmEdge >= 0.15) numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum TensorType {
    F16 = 0,
    F32 = 1,
    F64 = 2,
    U8 = 3,
    I32 = 4,
    I64 = 5,
}

impl TensorType {
    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<TensorType> {
        Some(match code {
            0 => TensorType::F16,
            1 => TensorType::F32,
            2 => TensorType::F64,
            3 => TensorType::U8,
            4 => TensorType::I32,
            5 => TensorType::I64,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn byte_size(self) -> usize {
        match self {
            TensorType::U8 => 1,
            TensorType::F16 => 2,
            TensorType::F32 | TensorType::I32 => 4,
            TensorType::F64 | TensorType::I64 => 8,
        }
    }
}

impl fmt::Display for TensorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

// ---------------------------------------------------------------------------------------
// Errors

/// The `nn_errno` codes of the preview1 ABI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NnErrno {
    Success,
    InvalidArgument,
    InvalidEncoding,
    MissingMemory,
    Busy,
    RuntimeError,
    UnsupportedOperation,
    TooLarge,
    NotFound,
    /// A code this crate does not know (e.g. a host-specific extension).
    Other(u32),
}

/// Alias matching the familiar crate's name for the errno enum.
pub type ErrorKind = NnErrno;

impl NnErrno {
    pub fn from_code(code: u32) -> NnErrno {
        match code {
            0 => NnErrno::Success,
            1 => NnErrno::InvalidArgument,
            2 => NnErrno::InvalidEncoding,
            3 => NnErrno::MissingMemory,
            4 => NnErrno::Busy,
            5 => NnErrno::RuntimeError,
            6 => NnErrno::UnsupportedOperation,
            7 => NnErrno::TooLarge,
            8 => NnErrno::NotFound,
            other => NnErrno::Other(other),
        }
    }

    pub fn code(self) -> u32 {
        match self {
            NnErrno::Success => 0,
            NnErrno::InvalidArgument => 1,
            NnErrno::InvalidEncoding => 2,
            NnErrno::MissingMemory => 3,
            NnErrno::Busy => 4,
            NnErrno::RuntimeError => 5,
            NnErrno::UnsupportedOperation => 6,
            NnErrno::TooLarge => 7,
            NnErrno::NotFound => 8,
            NnErrno::Other(c) => c,
        }
    }

    /// The ABI spelling, e.g. `too_large`.
    pub fn name(self) -> &'static str {
        match self {
            NnErrno::Success => "success",
            NnErrno::InvalidArgument => "invalid_argument",
            NnErrno::InvalidEncoding => "invalid_encoding",
            NnErrno::MissingMemory => "missing_memory",
            NnErrno::Busy => "busy",
            NnErrno::RuntimeError => "runtime_error",
            NnErrno::UnsupportedOperation => "unsupported_operation",
            NnErrno::TooLarge => "too_large",
            NnErrno::NotFound => "not_found",
            NnErrno::Other(_) => "unknown_errno",
        }
    }
}

impl fmt::Display for NnErrno {
    /// `name (code)`, e.g. `not_found (8)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug)]
pub enum Error {
    /// A `wasi_ephemeral_nn` call returned a non-zero errno.
    Nn { call: &'static str, errno: NnErrno },
    /// An argument was rejected on the guest side before calling the host (for example a
    /// tensor whose data length does not match its dims). The host would have answered
    /// invalid_argument.
    InvalidArgument { call: &'static str, reason: String },
    /// Reading a model file (`build_from_files`) failed.
    Io(std::io::Error),
}

impl Error {
    fn nn(call: &'static str, code: u32) -> Error {
        Error::Nn { call, errno: NnErrno::from_code(code) }
    }

    fn invalid(call: &'static str, reason: String) -> Error {
        Error::InvalidArgument { call, reason }
    }

    /// The errno the host returned, or invalid_argument for guest-side checks; None for
    /// I/O errors.
    pub fn errno(&self) -> Option<NnErrno> {
        match self {
            Error::Nn { errno, .. } => Some(*errno),
            Error::InvalidArgument { .. } => Some(NnErrno::InvalidArgument),
            Error::Io(_) => None,
        }
    }

    /// The wasi-nn function involved, e.g. `set_input`; `read` for I/O errors.
    pub fn call(&self) -> &'static str {
        match self {
            Error::Nn { call, .. } | Error::InvalidArgument { call, .. } => call,
            Error::Io(_) => "read",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Nn { call, errno } => write!(f, "{}: {}", call, errno),
            Error::InvalidArgument { call, reason } => {
                write!(f, "{}: {} ({})", call, reason, NnErrno::InvalidArgument)
            }
            Error::Io(e) => write!(f, "read: {}", e),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

fn check(call: &'static str, code: u32) -> Result<()> {
    if code == 0 {
        Ok(())
    } else {
        Err(Error::nn(call, code))
    }
}

// Lengths cross the ABI as u32; refuse anything that would be truncated.
fn len_u32(call: &'static str, what: &str, len: usize) -> Result<u32> {
    if len > u32::MAX as usize {
        Err(Error::invalid(call, format!("{} length {} does not fit in u32", what, len)))
    } else {
        Ok(len as u32)
    }
}

// Addresses are 32-bit on wasm32; the cast is only lossy on the host, where the stubs
// never dereference anything.
fn addr<T>(p: *const T) -> u32 {
    p as usize as u32
}

// ---------------------------------------------------------------------------------------
// Graph building

/// Chooses how to load a graph: from bytes, from files, or by a name the host preloaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphBuilder {
    encoding: GraphEncoding,
    target: ExecutionTarget,
}

impl GraphBuilder {
    pub fn new(encoding: GraphEncoding, target: ExecutionTarget) -> GraphBuilder {
        GraphBuilder { encoding, target }
    }

    pub fn encoding(&self) -> GraphEncoding {
        self.encoding
    }

    pub fn target(&self) -> ExecutionTarget {
        self.target
    }

    /// `load` with one builder entry per slice (ONNX and PyTorch take exactly one: the
    /// model file; OpenVINO takes the XML and the weights).
    pub fn build_from_bytes<B, I>(self, parts: I) -> Result<Graph>
    where
        B: AsRef<[u8]>,
        I: IntoIterator<Item = B>,
    {
        // Keep the owners alive until after the call: the entries point into them.
        let owners: Vec<B> = parts.into_iter().collect();
        let mut entries = Vec::with_capacity(owners.len());
        for part in &owners {
            let bytes = part.as_ref();
            entries.push(raw::GraphBuilder {
                data_ptr: addr(bytes.as_ptr()),
                data_len: len_u32("load", "builder", bytes.len())?,
            });
        }
        let count = len_u32("load", "builder array", entries.len())?;
        let mut handle: raw::Graph = 0;
        let code = unsafe {
            raw::load(entries.as_ptr(), count, self.encoding.code(), self.target.code(), &mut handle)
        };
        check("load", code)?;
        Ok(Graph { handle, encoding: self.encoding, target: self.target })
    }

    /// Reads each file with `std::fs` (the guest needs a preopened directory) and loads the
    /// bytes as with `build_from_bytes`.
    pub fn build_from_files<P, I>(self, files: I) -> Result<Graph>
    where
        P: AsRef<Path>,
        I: IntoIterator<Item = P>,
    {
        let mut parts = Vec::new();
        for f in files {
            parts.push(std::fs::read(f.as_ref())?);
        }
        self.build_from_bytes(&parts)
    }

    /// `load_by_name`: a graph the host preloaded (e.g. `--nn-preload NAME:...`).
    pub fn build_from_cache(self, name: &str) -> Result<Graph> {
        let len = len_u32("load_by_name", "name", name.len())?;
        let mut handle: raw::Graph = 0;
        let code = unsafe { raw::load_by_name(name.as_ptr(), len, &mut handle) };
        check("load_by_name", code)?;
        Ok(Graph { handle, encoding: self.encoding, target: self.target })
    }

    /// `load_by_name_with_config`: as `build_from_cache`, with a host-specific config
    /// string (typically JSON).
    pub fn build_from_cache_with_config(self, name: &str, config: &str) -> Result<Graph> {
        const CALL: &str = "load_by_name_with_config";
        let name_len = len_u32(CALL, "name", name.len())?;
        let config_len = len_u32(CALL, "config", config.len())?;
        let mut handle: raw::Graph = 0;
        let code = unsafe {
            raw::load_by_name_with_config(name.as_ptr(), name_len, config.as_ptr(), config_len, &mut handle)
        };
        check(CALL, code)?;
        Ok(Graph { handle, encoding: self.encoding, target: self.target })
    }
}

/// A loaded graph. Dropping it calls `unload`.
#[derive(Debug)]
pub struct Graph {
    handle: raw::Graph,
    encoding: GraphEncoding,
    target: ExecutionTarget,
}

impl Graph {
    /// The encoding given to the builder (for preloaded graphs: what the guest asked for,
    /// the host decides the real one).
    pub fn encoding(&self) -> GraphEncoding {
        self.encoding
    }

    pub fn target(&self) -> ExecutionTarget {
        self.target
    }

    /// The raw host handle, for use with [`raw`].
    pub fn handle(&self) -> u32 {
        self.handle
    }

    pub fn init_execution_context(&self) -> Result<GraphExecutionContext<'_>> {
        let mut ctx: raw::GraphExecutionContext = 0;
        let code = unsafe { raw::init_execution_context(self.handle, &mut ctx) };
        check("init_execution_context", code)?;
        Ok(GraphExecutionContext { graph: self, handle: ctx })
    }
}

impl Drop for Graph {
    fn drop(&mut self) {
        // Nothing useful to do with a failure here; older hosts do not implement unload.
        let _ = unsafe { raw::unload(self.handle) };
    }
}

/// An execution context. It borrows its graph, so the graph outlives it. Dropping it calls
/// `finalize_execution_context`.
#[derive(Debug)]
pub struct GraphExecutionContext<'g> {
    graph: &'g Graph,
    handle: raw::GraphExecutionContext,
}

/// Output buffers never grow beyond this in [`GraphExecutionContext::output_bytes`].
const MAX_OUTPUT_BYTES: usize = 1 << 30;

impl<'g> GraphExecutionContext<'g> {
    pub fn graph(&self) -> &'g Graph {
        self.graph
    }

    /// The raw host handle, for use with [`raw`].
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Sets input `index`. `data` is sent as its in-memory (little-endian) bytes; its byte
    /// length must equal product(dims) * `ty.byte_size()`, checked here before the call.
    pub fn set_input<T: Copy>(&mut self, index: usize, ty: TensorType, dims: &[usize], data: &[T]) -> Result<()> {
        const CALL: &str = "set_input";
        let index = len_u32(CALL, "index", index)?;
        let mut dims32 = Vec::with_capacity(dims.len());
        let mut elems: usize = 1;
        for &d in dims {
            dims32.push(len_u32(CALL, "dimension", d)?);
            elems = elems
                .checked_mul(d)
                .ok_or_else(|| Error::invalid(CALL, format!("dims {:?} overflow", dims)))?;
        }
        let expected = elems
            .checked_mul(ty.byte_size())
            .ok_or_else(|| Error::invalid(CALL, format!("dims {:?} overflow", dims)))?;
        let actual = mem::size_of_val(data);
        if expected != actual {
            return Err(Error::invalid(
                CALL,
                format!(
                    "tensor data is {} bytes but dims {:?} of {} need {}",
                    actual, dims, ty, expected
                ),
            ));
        }
        let tensor = raw::Tensor {
            dims_ptr: addr(dims32.as_ptr()),
            dims_len: len_u32(CALL, "dims", dims32.len())?,
            tensor_type: ty.code(),
            data_ptr: addr(data.as_ptr() as *const u8),
            data_len: len_u32(CALL, "data", actual)?,
        };
        let code = unsafe { raw::set_input(self.handle, index, &tensor) };
        check(CALL, code)
    }

    pub fn compute(&mut self) -> Result<()> {
        check("compute", unsafe { raw::compute(self.handle) })
    }

    /// Copies output `index` into `out` and returns the number of bytes written. A buffer
    /// that is too small gives `too_large`; see [`output_bytes`](Self::output_bytes).
    pub fn get_output<T: Copy>(&self, index: usize, out: &mut [T]) -> Result<usize> {
        let (code, written) = self.get_output_raw(index, out, false)?;
        check("get_output", code)?;
        Ok(written as usize)
    }

    /// Reads output `index` into a fresh Vec sized to fit: starts with `initial_capacity`
    /// bytes and retries when the host answers `too_large`, with the size it reported in
    /// bytes_written, or twice the buffer when it reported nothing.
    pub fn output_bytes(&self, index: usize, initial_capacity: usize) -> Result<Vec<u8>> {
        let mut cap = initial_capacity.max(16);
        loop {
            let mut buf = vec![0u8; cap];
            let (code, written) = self.get_output_raw(index, &mut buf, false)?;
            if code == 0 {
                buf.truncate((written as usize).min(cap));
                return Ok(buf);
            }
            let next = if code == 7 && written as usize > cap {
                written as usize
            } else if code == 7 {
                cap.saturating_mul(2)
            } else {
                0
            };
            if next == 0 || next > MAX_OUTPUT_BYTES || next <= cap {
                return Err(Error::nn("get_output", code));
            }
            cap = next;
        }
    }

    /// Streaming extension (LLM backends): one step of computation.
    pub fn compute_single(&mut self) -> Result<()> {
        check("compute_single", unsafe { raw::compute_single(self.handle) })
    }

    /// Streaming extension: output of the last `compute_single`; returns bytes written.
    pub fn get_output_single<T: Copy>(&self, index: usize, out: &mut [T]) -> Result<usize> {
        let (code, written) = self.get_output_raw(index, out, true)?;
        check("get_output_single", code)?;
        Ok(written as usize)
    }

    /// Streaming extension: ends a `compute_single` sequence.
    pub fn fini_single(&mut self) -> Result<()> {
        check("fini_single", unsafe { raw::fini_single(self.handle) })
    }

    fn get_output_raw<T: Copy>(&self, index: usize, out: &mut [T], single: bool) -> Result<(u32, u32)> {
        let call = if single { "get_output_single" } else { "get_output" };
        let index = len_u32(call, "index", index)?;
        let max = len_u32(call, "output buffer", mem::size_of_val(out))?;
        // Zero first: hosts write bytes_written only on success or with too_large.
        let mut written: u32 = 0;
        let ptr = out.as_mut_ptr() as *mut u8;
        let code = unsafe {
            if single {
                raw::get_output_single(self.handle, index, ptr, max, &mut written)
            } else {
                raw::get_output(self.handle, index, ptr, max, &mut written)
            }
        };
        Ok((code, written))
    }
}

impl<'g> Drop for GraphExecutionContext<'g> {
    fn drop(&mut self) {
        let _ = unsafe { raw::finalize_execution_context(self.handle) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_abi() {
        assert_eq!(mem::size_of::<raw::Tensor>(), 20);
        assert_eq!(mem::align_of::<raw::Tensor>(), 4);
        assert_eq!(mem::size_of::<raw::GraphBuilder>(), 8);
    }

    #[test]
    fn enum_codes() {
        assert_eq!(GraphEncoding::Autodetect.code(), 5);
        assert_eq!(GraphEncoding::Pytorch.code(), 3);
        assert_eq!(ExecutionTarget::AUTO.code(), 3);
        let types = [TensorType::F16, TensorType::F32, TensorType::F64, TensorType::U8, TensorType::I32, TensorType::I64];
        for (i, t) in types.iter().enumerate() {
            assert_eq!(t.code(), i as u32);
            assert_eq!(TensorType::from_code(i as u32), Some(*t));
        }
        for c in 0..9 {
            assert_eq!(NnErrno::from_code(c).code(), c);
        }
        assert_eq!(NnErrno::from_code(42), NnErrno::Other(42));
        assert_eq!(NnErrno::TooLarge.to_string(), "too_large (7)");
        assert_eq!("ONNX".parse::<GraphEncoding>().unwrap(), GraphEncoding::Onnx);
        assert_eq!("Gpu".parse::<ExecutionTarget>().unwrap(), ExecutionTarget::GPU);
    }

    #[test]
    fn set_input_checks_length_before_calling_host() {
        let g = Graph { handle: 0, encoding: GraphEncoding::Onnx, target: ExecutionTarget::CPU };
        let mut ctx = GraphExecutionContext { graph: &g, handle: 0 };
        let data = [0f32; 5];
        let err = ctx.set_input(0, TensorType::F32, &[2, 3], &data).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument { call: "set_input", .. }), "{}", err);
        // Same byte count through a u8 slice is accepted (then the host stub answers).
        let bytes = [0u8; 24];
        let err = ctx.set_input(0, TensorType::F32, &[2, 3], &bytes).unwrap_err();
        assert_eq!(err.errno(), Some(NnErrno::UnsupportedOperation));
        let err = ctx.set_input(0, TensorType::F64, &[usize::MAX, 2], &bytes).unwrap_err();
        assert_eq!(err.errno(), Some(NnErrno::InvalidArgument));
    }

    #[test]
    fn error_display() {
        let e = Error::nn("load_by_name", 8);
        assert_eq!(e.to_string(), "load_by_name: not_found (8)");
        assert_eq!(e.call(), "load_by_name");
    }
}
