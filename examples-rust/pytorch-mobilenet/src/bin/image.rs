//! usage: pytorch-mobilenet-image MODEL.pt IMAGE
//! Loads the TorchScript file itself and hands its bytes to the host with encoding PyTorch.

use pytorch_mobilenet::{classify_and_print, fail, image_tensor};
use wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        fail(2, "usage: pytorch-mobilenet-image MODEL.pt IMAGE");
    }
    let model = std::fs::read(&args[1]).unwrap_or_else(|e| fail(1, &format!("cannot read model '{}': {}", args[1], e)));
    let input = image_tensor(&args[2]);
    let graph = GraphBuilder::new(GraphEncoding::Pytorch, ExecutionTarget::CPU)
        .build_from_bytes([model])
        .unwrap_or_else(|e| fail(1, &format!("{}", e)));
    classify_and_print(&graph, &input);
}
