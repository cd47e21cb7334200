//! usage: rust-preprocess [--repeat N | --bench N] < image.jpg > tensor.f32
//!
//! JPEG to a 1x3x224x224 f32 NCHW tensor, the steps of jwasm-nn's `image` pipeline step with
//! `resize: crop`: decode to RGB, shorter side to 256 (bilinear on float pixels, half-pixel
//! centres), centre crop 224, /255, ImageNet mean/std. `--repeat N` preprocesses N times and
//! writes the last tensor; `--bench N` (native) prints the median microseconds of N runs.

use std::io::{Read, Write};
use std::time::Instant;

const OUT: usize = 224;
const SHORT: usize = 256;
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

fn decode(jpeg: &[u8]) -> (Vec<u8>, usize, usize) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    let pixels = d.decode().unwrap_or_else(|e| fail(&format!("decode: {}", e)));
    let info = d.info().unwrap();
    if info.pixel_format != jpeg_decoder::PixelFormat::RGB24 {
        fail("only RGB JPEGs");
    }
    (pixels, info.width as usize, info.height as usize)
}

/// Source positions and weights for one axis of a bilinear resize with half-pixel centres.
fn axis(src: usize, dst: usize) -> Vec<(usize, usize, f32)> {
    let scale = src as f32 / dst as f32;
    (0..dst)
        .map(|d| {
            let x = ((d as f32 + 0.5) * scale - 0.5).max(0.0);
            let x0 = (x.floor() as usize).min(src - 1);
            let x1 = (x0 + 1).min(src - 1);
            (x0, x1, x - x0 as f32)
        })
        .collect()
}

/// n / 2 rounded half to even, as torchvision's centre crop (Python's round) does.
fn half_even(n: usize) -> usize {
    if n % 2 == 1 && (n / 2) % 2 == 1 {
        n / 2 + 1
    } else {
        n / 2
    }
}

fn preprocess(jpeg: &[u8]) -> Vec<f32> {
    let (rgb, w, h) = decode(jpeg);
    let (nw, nh) = if h <= w { (SHORT * w / h, SHORT) } else { (SHORT, SHORT * h / w) };
    let top = half_even(nh - OUT);
    let left = half_even(nw - OUT);
    let xs = axis(w, nw);
    let ys = axis(h, nh);
    let mut out = vec![0f32; 3 * OUT * OUT];
    for oy in 0..OUT {
        let (y0, y1, fy) = ys[top + oy];
        for ox in 0..OUT {
            let (x0, x1, fx) = xs[left + ox];
            for c in 0..3 {
                let p = |x: usize, y: usize| rgb[(y * w + x) * 3 + c] as f32;
                let top_row = p(x0, y0) + (p(x1, y0) - p(x0, y0)) * fx;
                let bottom_row = p(x0, y1) + (p(x1, y1) - p(x0, y1)) * fx;
                let v = top_row + (bottom_row - top_row) * fy;
                out[c * OUT * OUT + oy * OUT + ox] = (v / 255.0 - MEAN[c]) / STD[c];
            }
        }
    }
    out
}

fn fail(message: &str) -> ! {
    eprintln!("rust-preprocess: {}", message);
    std::process::exit(1)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count = |i: usize| args.get(i).and_then(|s| s.parse::<usize>().ok()).unwrap_or_else(|| fail("a count is needed"));
    let mut jpeg = Vec::new();
    std::io::stdin().read_to_end(&mut jpeg).unwrap_or_else(|e| fail(&e.to_string()));
    match args.get(1).map(|s| s.as_str()) {
        Some("--bench") => {
            let n = count(2);
            // The checksum keeps the work from being optimised away (black_box is newer than rustc 1.63).
            let mut checksum = 0f32;
            let mut times: Vec<u128> = (0..n)
                .map(|_| {
                    let t = Instant::now();
                    checksum += preprocess(&jpeg)[12345];
                    t.elapsed().as_micros()
                })
                .collect();
            times.sort_unstable();
            println!("{}", times[n / 2]);
            eprintln!("checksum {}", checksum);
        }
        other => {
            let n = if other == Some("--repeat") { count(2) } else { 1 };
            let mut tensor = Vec::new();
            for _ in 0..n {
                tensor = preprocess(&jpeg);
            }
            let bytes: Vec<u8> = tensor.iter().flat_map(|v| v.to_le_bytes()).collect();
            std::io::stdout().write_all(&bytes).unwrap_or_else(|e| fail(&e.to_string()));
        }
    }
}
