//! `classify`: image classification through wasi-nn.
//!
//! Exit codes: 0 ok, 1 a wasi-nn call failed, 2 usage error or unreadable/unwritable file.

mod image;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process;

use wasi_nn::{ExecutionTarget, GraphBuilder, GraphEncoding, TensorType};

const USAGE: &str = "usage: classify (--model PATH | --preloaded NAME) [--encoding onnx|pytorch] \
[--target cpu|gpu|auto] (--tensor FILE|- | --image FILE|-) [--top K] [--dump FILE] \
[--labels FILE] [--config JSON]";

const DIMS: [usize; 4] = [1, 3, image::SIDE, image::SIDE];
const TENSOR_BYTES: usize = 3 * image::SIDE * image::SIDE * 4;

enum ModelSource {
    File(PathBuf),
    Preloaded(String),
}

enum InputSource {
    Tensor(Option<PathBuf>), // None = stdin
    Image(Option<PathBuf>), // None = stdin (the server passes the request body there)
}

struct Opts {
    model: ModelSource,
    encoding: GraphEncoding,
    target: ExecutionTarget,
    input: InputSource,
    top: usize,
    dump: Option<PathBuf>,
    labels: Option<PathBuf>,
    config: Option<String>,
}

/// A failure with the exit code it maps to.
#[derive(Debug)]
struct Failure {
    code: i32,
    message: String,
    show_usage: bool,
}

fn usage_error(message: String) -> Failure {
    Failure { code: 2, message, show_usage: true }
}

fn file_error(message: String) -> Failure {
    Failure { code: 2, message, show_usage: false }
}

fn nn_error(e: wasi_nn::Error) -> Failure {
    Failure { code: 1, message: e.to_string(), show_usage: false }
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Opts>, Failure> {
    let mut model: Option<ModelSource> = None;
    let mut encoding: Option<GraphEncoding> = None;
    let mut target: Option<ExecutionTarget> = None;
    let mut input: Option<InputSource> = None;
    let mut top: Option<usize> = None;
    let mut dump: Option<PathBuf> = None;
    let mut labels: Option<PathBuf> = None;
    let mut config: Option<String> = None;

    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let arg_str = arg
            .to_str()
            .ok_or_else(|| usage_error(format!("unexpected argument {:?}", arg)))?
            .to_string();
        if arg_str == "-h" || arg_str == "--help" {
            return Ok(None);
        }
        // Accept both `--opt value` and `--opt=value`.
        let (name, inline) = match arg_str.find('=') {
            Some(i) if arg_str.starts_with("--") => (arg_str[..i].to_string(), Some(OsString::from(&arg_str[i + 1..]))),
            _ => (arg_str.clone(), None),
        };
        if !name.starts_with("--") {
            return Err(usage_error(format!("unexpected argument '{}'", arg_str)));
        }
        let known = [
            "--model", "--preloaded", "--encoding", "--target", "--tensor", "--image", "--top", "--dump",
            "--labels", "--config",
        ];
        if !known.contains(&name.as_str()) {
            return Err(usage_error(format!("unknown option '{}'", name)));
        }
        let value: OsString = match inline {
            Some(v) => v,
            None => it.next().ok_or_else(|| usage_error(format!("{} needs a value", name)))?,
        };
        let text = || -> Result<String, Failure> {
            value
                .to_str()
                .map(|s| s.to_string())
                .ok_or_else(|| usage_error(format!("{}: value is not valid UTF-8", name)))
        };
        let dup = || usage_error(format!("{} given more than once", name));
        match name.as_str() {
            "--model" | "--preloaded" => {
                if model.is_some() {
                    return Err(usage_error("give only one of --model and --preloaded".to_string()));
                }
                model = Some(if name == "--model" {
                    ModelSource::File(PathBuf::from(value))
                } else {
                    ModelSource::Preloaded(text()?)
                });
            }
            "--tensor" | "--image" => {
                if input.is_some() {
                    return Err(usage_error("give only one of --tensor and --image".to_string()));
                }
                input = Some(if name == "--image" {
                    InputSource::Image(if value == "-" { None } else { Some(PathBuf::from(value)) })
                } else if value == "-" {
                    InputSource::Tensor(None)
                } else {
                    InputSource::Tensor(Some(PathBuf::from(value)))
                });
            }
            "--encoding" => {
                if encoding.is_some() {
                    return Err(dup());
                }
                encoding = Some(text()?.parse().map_err(usage_error)?);
            }
            "--target" => {
                if target.is_some() {
                    return Err(dup());
                }
                target = Some(text()?.parse().map_err(usage_error)?);
            }
            "--top" => {
                if top.is_some() {
                    return Err(dup());
                }
                let t = text()?;
                match t.parse::<usize>() {
                    Ok(k) if k > 0 => top = Some(k),
                    _ => return Err(usage_error(format!("--top needs a positive integer, got '{}'", t))),
                }
            }
            "--dump" => {
                if dump.replace(PathBuf::from(value)).is_some() {
                    return Err(dup());
                }
            }
            "--labels" => {
                if labels.replace(PathBuf::from(value)).is_some() {
                    return Err(dup());
                }
            }
            "--config" => {
                if config.is_some() {
                    return Err(dup());
                }
                config = Some(text()?);
            }
            _ => unreachable!(),
        }
    }

    let model = model.ok_or_else(|| usage_error("one of --model PATH or --preloaded NAME is required".to_string()))?;
    let input = input.ok_or_else(|| usage_error("one of --tensor FILE|- or --image FILE is required".to_string()))?;
    if config.is_some() && !matches!(model, ModelSource::Preloaded(_)) {
        return Err(usage_error("--config only applies with --preloaded".to_string()));
    }
    Ok(Some(Opts {
        model,
        encoding: encoding.unwrap_or(GraphEncoding::Onnx),
        target: target.unwrap_or(ExecutionTarget::CPU),
        input,
        top: top.unwrap_or(5),
        dump,
        labels,
        config,
    }))
}

fn read_file(what: &str, path: &PathBuf) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| file_error(format!("cannot read {} '{}': {}", what, path.display(), e)))
}

/// The input tensor as little-endian f32 bytes, NCHW [1,3,224,224].
fn load_input(src: &InputSource) -> Result<Vec<u8>, Failure> {
    let bytes = match src {
        InputSource::Tensor(Some(path)) => read_file("tensor", path)?,
        InputSource::Tensor(None) => {
            // Sized up front: growing by doubling would copy the tensor several times.
            let mut buf = Vec::with_capacity(TENSOR_BYTES + 1);
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| file_error(format!("cannot read tensor from stdin: {}", e)))?;
            buf
        }
        InputSource::Image(path) => {
            let (data, shown) = match path {
                Some(p) => (read_file("image", p)?, p.display().to_string()),
                None => {
                    let mut buf = Vec::new();
                    std::io::stdin()
                        .read_to_end(&mut buf)
                        .map_err(|e| file_error(format!("cannot read image from stdin: {}", e)))?;
                    (buf, "stdin".to_string())
                }
            };
            let img = image::decode(&data).map_err(|e| file_error(format!("image '{}': {}", shown, e)))?;
            let img = image::resize_crop(&img);
            return Ok(image::to_nchw(&img).iter().flat_map(|v| v.to_le_bytes()).collect());
        }
    };
    if bytes.len() != TENSOR_BYTES {
        return Err(file_error(format!(
            "tensor is {} bytes; expected {} (f32 little-endian NCHW [1,3,224,224])",
            bytes.len(),
            TENSOR_BYTES
        )));
    }
    Ok(bytes)
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Numerically stable softmax, accumulated in f64.
fn softmax(logits: &[f32]) -> Vec<f64> {
    let max = logits.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.iter().map(|&v| (v as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

fn run(opts: Opts) -> Result<(), Failure> {
    // Everything that can be a usage/file error is checked before touching the host.
    let labels: Option<Vec<String>> = match &opts.labels {
        Some(path) => {
            let text = String::from_utf8_lossy(&read_file("labels", path)?).into_owned();
            Some(text.lines().map(|l| l.trim_end_matches('\r').to_string()).collect())
        }
        None => None,
    };
    let input = load_input(&opts.input)?;
    let model_bytes = match &opts.model {
        ModelSource::File(path) => Some(read_file("model", path)?),
        ModelSource::Preloaded(_) => None,
    };

    let builder = GraphBuilder::new(opts.encoding, opts.target);
    let graph = match (&opts.model, &opts.config) {
        (ModelSource::File(_), _) => builder.build_from_bytes([model_bytes.unwrap()]),
        (ModelSource::Preloaded(name), None) => builder.build_from_cache(name),
        (ModelSource::Preloaded(name), Some(cfg)) => builder.build_from_cache_with_config(name, cfg),
    }
    .map_err(nn_error)?;
    let mut ctx = graph.init_execution_context().map_err(nn_error)?;
    ctx.set_input(0, TensorType::F32, &DIMS, &input).map_err(nn_error)?;
    ctx.compute().map_err(nn_error)?;
    // 1000 ImageNet classes fit in 4 KiB; other class counts are retried at the host's size.
    let output = ctx.output_bytes(0, 4096).map_err(nn_error)?;

    if let Some(path) = &opts.dump {
        std::fs::write(path, &output)
            .map_err(|e| file_error(format!("cannot write dump '{}': {}", path.display(), e)))?;
    }
    if output.is_empty() || output.len() % 4 != 0 {
        return Err(Failure {
            code: 1,
            message: format!("get_output: output 0 is {} bytes, not a non-empty f32 vector", output.len()),
            show_usage: false,
        });
    }
    let logits: Vec<f32> = output
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let scores = softmax(&logits);
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Highest first; ties (and NaN) keep the lower class index first.
    order.sort_by(|&a, &b| {
        scores[b]
            .partial_cmp(&scores[a])
            .unwrap_or_else(|| scores[a].is_nan().cmp(&scores[b].is_nan()))
            .then(a.cmp(&b))
    });

    let mut line = String::from("{\"top\":[");
    for (n, &class) in order.iter().take(opts.top).enumerate() {
        if n > 0 {
            line.push(',');
        }
        let s = scores[class];
        let score = if s.is_finite() { format!("{:.6}", s) } else { "null".to_string() };
        line.push_str(&format!("{{\"class\":{},\"score\":{}", class, score));
        if let Some(label) = labels.as_ref().and_then(|l| l.get(class)) {
            line.push_str(",\"label\":");
            line.push_str(&json_string(label));
        }
        line.push('}');
    }
    line.push_str("]}\n");
    let mut out = std::io::stdout();
    out.write_all(line.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| file_error(format!("cannot write to stdout: {}", e)))?;
    Ok(())
}

fn main() {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let result = match parse_args(args) {
        Ok(Some(opts)) => run(opts),
        Ok(None) => {
            println!("{}", USAGE);
            return;
        }
        Err(f) => Err(f),
    };
    if let Err(f) = result {
        eprintln!("classify: {}", f.message);
        if f.show_usage {
            eprintln!("{}", USAGE);
        }
        process::exit(f.code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_sums_to_one() {
        let s = softmax(&[1.0, 2.0, 3.0]);
        assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(s[2] > s[1] && s[1] > s[0]);
    }

    #[test]
    fn json_escapes() {
        assert_eq!(json_string("a\"b\\c\u{1}"), "\"a\\\"b\\\\c\\u0001\"");
    }

    #[test]
    fn args_parse() {
        let a = |v: &[&str]| parse_args(v.iter().map(OsString::from).collect());
        assert!(a(&["--preloaded", "m", "--image", "x.bmp"]).is_ok());
        assert!(a(&["--preloaded=m", "--tensor=-", "--top", "3"]).is_ok());
        assert_eq!(a(&["--model", "m"]).err().unwrap().code, 2);
        assert_eq!(a(&["--model", "m", "--tensor", "-", "--top", "0"]).err().unwrap().code, 2);
        assert_eq!(a(&["--model", "m", "--tensor", "-", "--config", "{}"]).err().unwrap().code, 2);
        assert_eq!(a(&["--preloaded", "m", "--tensor", "-", "--bogus", "1"]).err().unwrap().code, 2);
        assert!(a(&["--help"]).unwrap().is_none());
    }
}
