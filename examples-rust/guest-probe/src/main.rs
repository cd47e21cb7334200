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
stdin-close | stdin-renumber N TO | loop | grow | flood | recurse | trap | panic | spin MS";

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

/// WASI calls std does not offer (closing or moving descriptor 0), straight from the host.
#[cfg(target_arch = "wasm32")]
mod raw {
    #[repr(C)]
    pub struct Iovec {
        pub buf: *mut u8,
        pub len: usize,
    }

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    extern "C" {
        #[link_name = "fd_close"]
        pub fn close(fd: u32) -> u16;
        #[link_name = "fd_renumber"]
        pub fn renumber(from: u32, to: u32) -> u16;
        #[link_name = "fd_read"]
        pub fn read(fd: u32, iovs: *const Iovec, iovs_len: usize, nread: *mut usize) -> u16;
    }

    /// One fd_read into `buf`: (errno, bytes read).
    pub fn read_into(fd: u32, buf: &mut [u8]) -> (u16, usize) {
        let iov = Iovec { buf: buf.as_mut_ptr(), len: buf.len() };
        let mut n = 0usize;
        let errno = unsafe { read(fd, &iov, 1, &mut n) };
        (errno, n)
    }

    /// Reads `fd` to its end: (errno of the last call, bytes).
    pub fn read_all(fd: u32) -> (u16, Vec<u8>) {
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let (errno, n) = read_into(fd, &mut buf);
            if errno != 0 || n == 0 {
                return (errno, out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
}

/// The first `n` bytes of descriptor 0, read without std's buffering (which would take more), as text.
#[cfg(target_arch = "wasm32")]
fn stdin_head(n: &str) -> String {
    let n: usize = n.parse().unwrap_or_else(|_| usage(&format!("not a number: '{}'", n)));
    let mut head = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match raw::read_into(0, &mut head[got..]) {
            (0, 0) => fail("stdin", "ended early"),
            (0, k) => got += k,
            (errno, _) => fail("stdin", format!("errno {}", errno)),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
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
        // Reads 3 + 4 bytes in one fd_read (two buffers), closes descriptor 0, then reads it
        // again: the host must now say EBADF (8).
        #[cfg(target_arch = "wasm32")]
        "stdin-close" => {
            let mut a = [0u8; 3];
            let mut b = [0u8; 4];
            let iovs = [
                raw::Iovec { buf: a.as_mut_ptr(), len: a.len() },
                raw::Iovec { buf: b.as_mut_ptr(), len: b.len() },
            ];
            let mut n = 0usize;
            let readv = unsafe { raw::read(0, iovs.as_ptr(), iovs.len(), &mut n) };
            let closed = unsafe { raw::close(0) };
            let (errno, after) = raw::read_into(0, &mut [0u8; 16]);
            write_stdout(
                format!(
                    "readv={} n={} head={}{} close={} read={} n={}\n",
                    readv,
                    n,
                    String::from_utf8_lossy(&a),
                    String::from_utf8_lossy(&b),
                    closed,
                    errno,
                    after
                )
                .as_bytes(),
            );
        }
        // Reads N bytes, moves descriptor 0 to TO (a preopen's number), then reads the rest
        // from TO and tries 0 again.
        #[cfg(target_arch = "wasm32")]
        "stdin-renumber" => {
            let head = stdin_head(&arg(2, "N"));
            let to = arg(3, "TO");
            let to: u32 = to.parse().unwrap_or_else(|_| usage(&format!("not a descriptor: '{}'", to)));
            let moved = unsafe { raw::renumber(0, to) };
            let (errno, rest) = raw::read_all(to);
            let (errno0, n0) = raw::read_into(0, &mut [0u8; 16]);
            write_stdout(
                format!(
                    "head={} renumber={} rest={} rest_errno={} read0={} n0={}\n",
                    head,
                    moved,
                    String::from_utf8_lossy(&rest),
                    errno,
                    errno0,
                    n0
                )
                .as_bytes(),
            );
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
