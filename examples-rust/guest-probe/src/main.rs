//! `guest-probe`: a test guest for the jwasm-nn runner. The first argument picks a mode;
//! each mode exercises one thing the runner must handle (exit codes, argv/env, preopened
//! files, stdio, runaway loops, memory growth, output floods, deep recursion, traps).
//!
//! Usage errors exit 2; I/O failures print `guest-probe: ...` to stderr and exit 1.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::process;
use std::ptr;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: guest-probe MODE [ARGS]\n\
modes: ok | exit N | args | env | cat PATH | write PATH TEXT | ls PATH | stdin | stderr TEXT |\n       \
loop | grow | flood | recurse | trap | panic | spin MS";

// Read through read_volatile so the optimiser must assume these can change.
static NEVER: u32 = 0;
static DEPTH_LIMIT: u64 = u64::MAX;

fn fail(what: &str, e: impl std::fmt::Display) -> ! {
    eprintln!("guest-probe: {}: {}", what, e);
    process::exit(1)
}

fn usage(msg: &str) -> ! {
    eprintln!("guest-probe: {}\n{}", msg, USAGE);
    process::exit(2)
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

fn write_stdout(bytes: &[u8]) {
    let mut out = io::stdout();
    if let Err(e) = out.write_all(bytes).and_then(|_| out.flush()) {
        fail("stdout", e);
    }
}

// Non-tail recursion: the volatile read after the call and the non-associative combination
// keep LLVM from turning it into a loop; the state is plain integers (wasm locals), so the
// frames live on the engine's call stack, not on the 64 KiB shadow stack in linear memory.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let limit = unsafe { ptr::read_volatile(&DEPTH_LIMIT) };
    if depth >= limit {
        return depth;
    }
    let below = recurse(depth + 1);
    let after = unsafe { ptr::read_volatile(&DEPTH_LIMIT) };
    below.wrapping_mul(31) ^ depth.wrapping_add(after)
}

fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::unreachable()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        process::abort()
    }
}

fn main() {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let mode = match args.get(1) {
        Some(m) => m.as_str(),
        None => usage("missing MODE"),
    };
    let arg = |i: usize, name: &str| -> String {
        match args.get(i) {
            Some(v) => v.clone(),
            None => usage(&format!("{} needs {}", mode, name)),
        }
    };

    match mode {
        "ok" => write_stdout(b"ok\n"),
        "exit" => {
            let n = arg(2, "N");
            match n.parse::<i32>() {
                Ok(code) => process::exit(code),
                Err(_) => usage(&format!("exit: not an integer: '{}'", n)),
            }
        }
        "args" => {
            let items: Vec<String> = args.iter().map(|a| json_string(a)).collect();
            write_stdout(format!("[{}]\n", items.join(",")).as_bytes());
        }
        "env" => {
            let vars: BTreeMap<String, String> = std::env::vars_os()
                .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
                .collect();
            let items: Vec<String> =
                vars.iter().map(|(k, v)| format!("{}:{}", json_string(k), json_string(v))).collect();
            write_stdout(format!("{{{}}}\n", items.join(",")).as_bytes());
        }
        "cat" => {
            let path = arg(2, "PATH");
            let data = std::fs::read(&path).unwrap_or_else(|e| fail(&path, e));
            write_stdout(&data);
        }
        "write" => {
            let path = arg(2, "PATH");
            let text = arg(3, "TEXT");
            std::fs::write(&path, text.as_bytes()).unwrap_or_else(|e| fail(&path, e));
        }
        "ls" => {
            let path = arg(2, "PATH");
            let mut names: Vec<String> = std::fs::read_dir(&path)
                .unwrap_or_else(|e| fail(&path, e))
                .map(|entry| match entry {
                    Ok(entry) => entry.file_name().to_string_lossy().into_owned(),
                    Err(e) => fail(&path, e),
                })
                .collect();
            names.sort();
            let mut out = String::new();
            for n in names {
                out.push_str(&n);
                out.push('\n');
            }
            write_stdout(out.as_bytes());
        }
        "stdin" => {
            let mut buf = Vec::new();
            io::stdin().read_to_end(&mut buf).unwrap_or_else(|e| fail("stdin", e));
            write_stdout(&buf);
        }
        "stderr" => {
            let text = arg(2, "TEXT");
            let mut err = io::stderr();
            let _ = writeln!(err, "{}", text);
        }
        "loop" => {
            while unsafe { ptr::read_volatile(&NEVER) } == 0 {}
            write_stdout(b"unreachable\n");
        }
        "grow" => {
            let mut keep: Vec<Vec<u8>> = Vec::new();
            loop {
                let mut chunk = vec![0u8; 1 << 20];
                // Touch every page so a host that commits lazily still pays for it.
                for i in (0..chunk.len()).step_by(4096) {
                    unsafe { ptr::write_volatile(&mut chunk[i], 1) };
                }
                keep.push(chunk);
            }
        }
        "flood" => {
            let mut line = vec![b'x'; 64 * 1024];
            *line.last_mut().unwrap() = b'\n';
            let out = io::stdout();
            let mut out = out.lock();
            loop {
                if let Err(e) = out.write_all(&line) {
                    fail("stdout", e);
                }
            }
        }
        "recurse" => {
            let r = recurse(0);
            write_stdout(format!("{}\n", r).as_bytes());
        }
        "trap" => trap(),
        "panic" => panic!("probe panic"),
        "spin" => {
            let ms = arg(2, "MS");
            let ms: u64 = ms.parse().unwrap_or_else(|_| usage(&format!("spin: not a number: '{}'", ms)));
            let until = Duration::from_millis(ms);
            let start = Instant::now();
            while start.elapsed() < until {}
            write_stdout(b"done\n");
        }
        other => usage(&format!("unknown mode '{}'", other)),
    }
}
