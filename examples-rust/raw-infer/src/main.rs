//! raw-infer: reads one little-endian tensor from stdin, feeds it as input 0 of a graph,
//! and writes output N's raw bytes to stdout. The thinnest guest there is, so benchmarks
//! can measure the fixed cost of going through a guest, and a template for guests that
//! put their own logic around one inference.
//!
//! Usage: raw-infer (--preloaded NAME | --model PATH) [--encoding onnx|pytorch]
//!                  --type f16|f32|f64|u8|i32|i64 --shape D0,D1,... [--output N] [--repeat R]
//!
//! `--repeat R` runs set_input/compute/get_output R times on the same context (as a guest
//! serving a stream would) and writes the last output; benchmarks use it to measure the cost
//! of inference through the wasi-nn calls apart from the per-run start-up.

use std::io::{Read, Write};
use std::process::exit;
use wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};

struct Args {
    preloaded: Option<String>,
    model: Option<String>,
    encoding: GraphEncoding,
    ty: TensorType,
    shape: Vec<usize>,
    output: usize,
    repeat: usize,
}

fn usage(msg: &str) -> ! {
    eprintln!("raw-infer: {}", msg);
    eprintln!(
        "usage: raw-infer (--preloaded NAME | --model PATH) [--encoding onnx|pytorch] \
         --type f16|f32|f64|u8|i32|i64 --shape D0,D1,... [--output N] [--repeat R]"
    );
    exit(2)
}

fn parse_type(s: &str) -> TensorType {
    match s.to_ascii_lowercase().as_str() {
        "f16" => TensorType::F16,
        "f32" => TensorType::F32,
        "f64" => TensorType::F64,
        "u8" => TensorType::U8,
        "i32" => TensorType::I32,
        "i64" => TensorType::I64,
        _ => usage(&format!("unknown tensor type '{}'", s)),
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        preloaded: None,
        model: None,
        encoding: GraphEncoding::Onnx,
        ty: TensorType::F32,
        shape: Vec::new(),
        output: 0,
        repeat: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{} needs a value", flag)));
        match flag.as_str() {
            "--preloaded" => args.preloaded = Some(value()),
            "--model" => args.model = Some(value()),
            "--encoding" => {
                let v = value();
                args.encoding = v.parse().unwrap_or_else(|_| usage(&format!("unknown encoding '{}'", v)))
            }
            "--type" => args.ty = parse_type(&value()),
            "--shape" => {
                args.shape = value()
                    .split(',')
                    .map(|d| d.trim().parse().unwrap_or_else(|_| usage(&format!("bad dimension '{}'", d))))
                    .collect()
            }
            "--output" => args.output = value().parse().unwrap_or_else(|_| usage("--output needs a number")),
            "--repeat" => {
                args.repeat = value().parse().unwrap_or_else(|_| usage("--repeat needs a number"));
                if args.repeat == 0 {
                    usage("--repeat must be at least 1");
                }
            }
            other => usage(&format!("unknown argument '{}'", other)),
        }
    }
    if args.preloaded.is_some() == args.model.is_some() {
        usage("give exactly one of --preloaded and --model");
    }
    if args.shape.is_empty() {
        usage("--shape is required");
    }
    args
}

fn main() {
    let args = parse_args();
    let expected: usize = args.shape.iter().product::<usize>() * args.ty.byte_size();
    // Sized up front (one spare byte to see EOF): growing by doubling would copy the tensor
    // several times inside the guest.
    let mut input = Vec::with_capacity(expected + 1);
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        usage(&format!("cannot read stdin: {}", e));
    }
    if input.len() != expected {
        usage(&format!(
            "stdin has {} bytes; shape {:?} of {} needs {}",
            input.len(),
            args.shape,
            args.ty,
            expected
        ));
    }
    let result = (|| -> wasi_nn::Result<Vec<u8>> {
        let builder = GraphBuilder::new(args.encoding, ExecutionTarget::CPU);
        let graph = match (&args.preloaded, &args.model) {
            (Some(name), _) => builder.build_from_cache(name)?,
            (_, Some(path)) => builder.build_from_files([path.as_str()])?,
            _ => unreachable!(),
        };
        let mut ctx = graph.init_execution_context()?;
        let mut out = Vec::new();
        for _ in 0..args.repeat {
            ctx.set_input(0, args.ty, &args.shape, &input)?;
            ctx.compute()?;
            out = ctx.output_bytes(args.output, 4096)?;
        }
        Ok(out)
    })();
    match result {
        Ok(bytes) => {
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if out.write_all(&bytes).and_then(|_| out.flush()).is_err() {
                exit(1);
            }
        }
        Err(e) => {
            eprintln!("raw-infer: {}", e);
            exit(1);
        }
    }
}
