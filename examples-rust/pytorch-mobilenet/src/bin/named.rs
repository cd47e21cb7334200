//! usage: pytorch-mobilenet-named NAME IMAGE
//! Uses a model the host preloaded under NAME (e.g. --nn-preload NAME:PyTorch:CPU:model.pt).

use pytorch_mobilenet::{classify_and_print, fail, image_tensor};
use wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        fail(2, "usage: pytorch-mobilenet-named NAME IMAGE");
    }
    let input = image_tensor(&args[2]);
    let graph = GraphBuilder::new(GraphEncoding::Pytorch, ExecutionTarget::CPU)
        .build_from_cache(&args[1])
        .unwrap_or_else(|e| fail(1, &format!("{}", e)));
    classify_and_print(&graph, &input);
}
