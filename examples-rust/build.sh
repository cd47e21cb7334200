#!/usr/bin/env bash
# Builds the Rust example guests (wasm32-wasi / wasm32-wasip1) and copies them to the
# output directory (default: <repo root>/build/guests). Quiet unless something fails;
# the last line printed is the output directory.
#
# usage: examples-rust/build.sh [--out DIR] [--verbose]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$HERE")"
OUT="$REPO_ROOT/build/guests"
VERBOSE=0

while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || { echo "build.sh: --out needs a directory" >&2; exit 2; }
               OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        -v|--verbose) VERBOSE=1; shift ;;
        -h|--help) echo "usage: $0 [--out DIR] [--verbose]"; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (usage: $0 [--out DIR] [--verbose])" >&2; exit 2 ;;
    esac
done

# --- find a toolchain with a wasm target -------------------------------------------------
CARGO_BIN="" RUSTC_BIN="" TARGET=""

# A sysroot qualifies when it has rustc, cargo and the target's std installed.
try_sysroot() { # sysroot target
    local root="$1" target="$2"
    [ -x "$root/bin/rustc" ] && [ -x "$root/bin/cargo" ] && [ -d "$root/lib/rustlib/$target/lib" ] || return 1
    CARGO_BIN="$root/bin/cargo" RUSTC_BIN="$root/bin/rustc" TARGET="$target"
}

# 1. Debian's rustc 1.63 + libstd-rust-dev-wasm32 (target spelled wasm32-wasi).
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/wasm32-wasi ]; then
    CARGO_BIN=/usr/bin/cargo RUSTC_BIN=/usr/bin/rustc TARGET=wasm32-wasi
    export PATH="/usr/bin:$PATH"
fi

# 2. The rustc on PATH, then every rustup toolchain: wasm32-wasip1 preferred over wasm32-wasi.
if [ -z "$TARGET" ]; then
    sysroots=()
    if command -v rustc >/dev/null 2>&1; then
        sysroots+=("$(rustc --print sysroot 2>/dev/null || true)")
    fi
    if command -v rustup >/dev/null 2>&1; then
        while read -r tc _; do
            [ -n "$tc" ] || continue
            sysroots+=("$(rustup run "$tc" rustc --print sysroot 2>/dev/null || true)")
        done < <(rustup toolchain list 2>/dev/null || true)
    fi
    for target in wasm32-wasip1 wasm32-wasi; do
        for root in "${sysroots[@]}"; do
            [ -n "$root" ] && try_sysroot "$root" "$target" && break 2
        done
    done
fi

if [ -z "$TARGET" ]; then
    cat >&2 <<'EOF'
build.sh: no Rust toolchain with a WebAssembly WASI target was found.
  Debian/Ubuntu: apt-get install rustc cargo libstd-rust-dev-wasm32 lld
  rustup:        rustup target add wasm32-wasip1   (needs network access)
EOF
    exit 3
fi

# --- build -------------------------------------------------------------------------------
# RUSTFLAGS from the environment would replace the per-target flags in .cargo/config.toml
# (the small stack) and could enable simd128, which Chicory cannot compile.
for v in RUSTFLAGS CARGO_ENCODED_RUSTFLAGS; do
    if [ -n "${!v:-}" ]; then
        echo "build.sh: ignoring $v (guest flags come from examples-rust/.cargo/config.toml)" >&2
        unset "$v"
    fi
done
export RUSTC="$RUSTC_BIN"
export CARGO_TARGET_DIR="$HERE/target"

cd "$HERE"   # cargo finds .cargo/config.toml from the working directory
log="$(mktemp "${TMPDIR:-/tmp}/jwasm-guests-build.XXXXXX")"
trap 'rm -f "$log"' EXIT
if [ "$VERBOSE" = 1 ]; then
    echo "build.sh: $CARGO_BIN ($("$RUSTC_BIN" --version)), target $TARGET" >&2
fi
if ! "$CARGO_BIN" build --release --offline --target "$TARGET" >"$log" 2>&1; then
    cat "$log" >&2
    echo "build.sh: cargo build failed ($CARGO_BIN, target $TARGET)" >&2
    exit 1
fi
if [ "$VERBOSE" = 1 ]; then cat "$log" >&2; fi

# --- copy (only what changed, so mtimes of unchanged guests stay put) ---------------------
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
built="$CARGO_TARGET_DIR/$TARGET/release"
for pair in classify.wasm:classify.wasm classify-cv.wasm:classify-cv.wasm pytorch-mobilenet-image.wasm:pytorch-mobilenet-image.wasm pytorch-mobilenet-named.wasm:pytorch-mobilenet-named.wasm raw-infer.wasm:raw-infer.wasm guest-probe.wasm:guest-probe.wasm nn_abi_probe.wasm:nn-abi-probe.wasm; do
    src="$built/${pair%%:*}"
    dst="$OUT/${pair##*:}"
    [ -f "$src" ] || { echo "build.sh: expected build output $src is missing" >&2; exit 1; }
    if ! cmp -s "$src" "$dst"; then
        cp "$src" "$dst.tmp.$$"
        mv -f "$dst.tmp.$$" "$dst"
        if [ "$VERBOSE" = 1 ]; then echo "build.sh: updated $dst" >&2; fi
    fi
done
echo "$OUT"
