//! usage: classify-cv MODEL_NAME [OPTIONS_JSON] < image
//!
//! An encoded image (JPEG, PNG, BMP) on stdin becomes a tensor through the host's native OpenCV
//! (`jwasm_cv`), runs through the preloaded model MODEL_NAME, and the top 5 classes go to stdout
//! as JSON. The image never gets decoded in Wasm.

use std::io::{Read, Write};
use std::process;
use wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};

const DEFAULT_OPTIONS: &str = r#"{"size":224,"resize":"crop"}"#;

fn fail(code: i32, message: &str) -> ! {
    eprintln!("classify-cv: {}", message);
    process::exit(code)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 2 || args.len() > 3 {
        fail(2, "usage: classify-cv MODEL_NAME [OPTIONS_JSON] < image");
    }
    let options = args.get(2).map(|s| s.as_str()).unwrap_or(DEFAULT_OPTIONS);
    let mut image = Vec::new();
    std::io::stdin().read_to_end(&mut image).unwrap_or_else(|e| fail(1, &format!("cannot read stdin: {}", e)));

    let tensor = jwasm_cv::image_to_tensor(&image, options).unwrap_or_else(|e| fail(1, &e.to_string()));
    let graph = GraphBuilder::new(GraphEncoding::Onnx, ExecutionTarget::CPU)
        .build_from_cache(&args[1])
        .unwrap_or_else(|e| fail(1, &e.to_string()));
    let mut ctx = graph.init_execution_context().unwrap_or_else(|e| fail(1, &e.to_string()));
    let floats: Vec<f32> = tensor.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    ctx.set_input(0, TensorType::F32, &[1, 3, 224, 224], &floats).unwrap_or_else(|e| fail(1, &e.to_string()));
    ctx.compute().unwrap_or_else(|e| fail(1, &e.to_string()));
    let output = ctx.output_bytes(0, 4096).unwrap_or_else(|e| fail(1, &e.to_string()));
    let logits: Vec<f32> = output.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();

    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits.iter().map(|&v| ((v - max) as f64).exp()).collect();
    let sum: f64 = exps.iter().sum();
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_by(|&a, &b| exps[b].partial_cmp(&exps[a]).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
    let mut line = String::from("{\"top\":[");
    for (n, &c) in order.iter().take(5).enumerate() {
        if n > 0 {
            line.push(',');
        }
        line.push_str(&format!("{{\"class\":{},\"score\":{:.6}}}", c, exps[c] / sum));
    }
    line.push_str("]}\n");
    let mut out = std::io::stdout();
    out.write_all(line.as_bytes()).and_then(|_| out.flush()).unwrap_or_else(|e| fail(1, &format!("stdout: {}", e)));
}
