//! Bindings for `jwasm_cv`, jwasm-nn's import module for native image preprocessing: hand the
//! host encoded image bytes (JPEG, PNG, BMP) and the `image` pipeline step's options as JSON,
//! get the model's input tensor back, decoded and resized by OpenCV instead of in Wasm.
//!
//! ```ignore
//! let tensor = jwasm_cv::image_to_tensor(&jpeg, r#"{"size":224,"resize":"crop"}"#)?;
//! ctx.set_input(0, TensorType::F32, &[1, 3, 224, 224], &tensor)?;
//! ```
//!
//! The host denies the module unless the model's config grants it (`guest.allow_cv: true`, or
//! `jwasm-nn run --allow-cv`).

use std::fmt;

mod raw {
    #[cfg(target_arch = "wasm32")]
    #[link(wasm_import_module = "jwasm_cv")]
    extern "C" {
        pub fn image_to_tensor(
            image_ptr: *const u8,
            image_len: u32,
            options_ptr: *const u8,
            options_len: u32,
            out_ptr: *mut u8,
            out_cap: u32,
            out_len: *mut u32,
        ) -> u32;
        pub fn last_error(buf_ptr: *mut u8, buf_cap: u32, len: *mut u32) -> u32;
    }

    // Off wasm there is no host: calls report runtime_error, so code using the crate still builds.
    #[cfg(not(target_arch = "wasm32"))]
    #[allow(clippy::missing_safety_doc)]
    pub unsafe fn image_to_tensor(
        _image_ptr: *const u8,
        _image_len: u32,
        _options_ptr: *const u8,
        _options_len: u32,
        _out_ptr: *mut u8,
        _out_cap: u32,
        _out_len: *mut u32,
    ) -> u32 {
        6
    }

    #[cfg(not(target_arch = "wasm32"))]
    #[allow(clippy::missing_safety_doc)]
    pub unsafe fn last_error(_buf_ptr: *mut u8, _buf_cap: u32, _len: *mut u32) -> u32 {
        6
    }
}

/// What went wrong, with the host's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: u32,
    pub message: String,
}

impl Error {
    /// The code's name: invalid_argument, permission_denied, unsupported_media, image_too_large,
    /// buffer_too_small, runtime_error.
    pub fn name(&self) -> &'static str {
        match self.code {
            1 => "invalid_argument",
            2 => "permission_denied",
            3 => "unsupported_media",
            4 => "image_too_large",
            5 => "buffer_too_small",
            6 => "runtime_error",
            _ => "unknown",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "jwasm_cv: {} ({})", self.name(), self.code)
        } else {
            write!(f, "jwasm_cv: {}", self.message)
        }
    }
}

impl std::error::Error for Error {}

fn host_error(code: u32) -> Error {
    let mut buf = vec![0u8; 1024];
    let mut len = 0u32;
    let message = unsafe {
        if raw::last_error(buf.as_mut_ptr(), buf.len() as u32, &mut len) == 0 {
            buf.truncate(len as usize);
            String::from_utf8_lossy(&buf).into_owned()
        } else {
            String::new()
        }
    };
    Error { code, message }
}

/// The image as the model's input tensor bytes (layout and element type per `options`).
pub fn image_to_tensor(image: &[u8], options: &str) -> Result<Vec<u8>, Error> {
    // A 224x224x3 f32 tensor is 602 112 bytes; the host says how much it needs if that is short.
    let mut out = vec![0u8; 602_112];
    loop {
        let mut len = 0u32;
        let code = unsafe {
            raw::image_to_tensor(
                image.as_ptr(),
                image.len() as u32,
                options.as_ptr(),
                options.len() as u32,
                out.as_mut_ptr(),
                out.len() as u32,
                &mut len,
            )
        };
        match code {
            0 => {
                out.truncate(len as usize);
                return Ok(out);
            }
            5 if (len as usize) > out.len() => out.resize(len as usize, 0),
            _ => return Err(host_error(code)),
        }
    }
}
