//! Shared by the two PyTorch MobileNet guests: read an image, run it through a loaded graph,
//! print the five most likely ImageNet classes.

use std::process;
use wasi_nn::{Graph, TensorType};

// The BMP/PPM decoder and ImageNet preprocessing of the image-classification example.
#[path = "../../image-classification/src/image.rs"]
mod image;

const DIMS: [usize; 4] = [1, 3, 224, 224];
const CLASSES: usize = 1000;

/// Prints `message` to stderr and exits with `code` (2: usage, 1: everything else).
pub fn fail(code: i32, message: &str) -> ! {
    eprintln!("{}", message);
    process::exit(code)
}

/// The image at `path` as a 1x3x224x224 NCHW tensor, normalized as torchvision does.
pub fn image_tensor(path: &str) -> Vec<f32> {
    let data = std::fs::read(path).unwrap_or_else(|e| fail(1, &format!("cannot read image '{}': {}", path, e)));
    let rgb = image::decode(&data).unwrap_or_else(|e| fail(1, &format!("cannot decode image '{}': {}", path, e)));
    image::to_nchw(&image::resize_crop(&rgb))
}

/// Runs the tensor through `graph` and prints the top 5 as `rank.) [class](score)` lines.
pub fn classify_and_print(graph: &Graph, input: &[f32]) {
    let mut ctx = graph.init_execution_context().unwrap_or_else(|e| fail(1, &format!("{}", e)));
    ctx.set_input(0, TensorType::F32, &DIMS, input).unwrap_or_else(|e| fail(1, &format!("{}", e)));
    ctx.compute().unwrap_or_else(|e| fail(1, &format!("{}", e)));
    let mut logits = vec![0f32; CLASSES];
    let written = ctx.get_output(0, &mut logits).unwrap_or_else(|e| fail(1, &format!("{}", e)));
    if written != CLASSES * 4 {
        fail(1, &format!("expected {} logits, got {} bytes", CLASSES, written));
    }
    let mut order: Vec<usize> = (0..CLASSES).collect();
    order.sort_by(|&a, &b| logits[b].partial_cmp(&logits[a]).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
    for (rank, &class) in order.iter().take(5).enumerate() {
        println!("   {}.) [{}]({:.4})", rank + 1, class, logits[class]);
    }
}
