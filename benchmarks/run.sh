#!/usr/bin/env bash
# Runs the JMH benchmarks and summarises them (median, spread, ratios to the in-run reference).
#   benchmarks/run.sh                      # everything
#   benchmarks/run.sh GuestVsDirect        # one class (any JMH arguments work)
#   benchmarks/run.sh --paired [ROUNDS]    # same-run ratios, reference and candidate interleaved
#   benchmarks/run.sh --paired ROUNDS pytorch  # the same for PyTorch: guest vs direct DJL, ORT vs PyTorch
#   benchmarks/run.sh --preprocess [ROUNDS]    # JPEG preprocessing: host OpenCV vs Rust in a guest vs native
# Raw results: benchmarks/results/jmh-<UTC time>.json; the summary is printed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
. scripts/java-env.sh
jwasmnn_find_java
scripts/prepare-examples
mvn -B -q -DskipTests install >/dev/null
mkdir -p benchmarks/results
if [ "${1:-}" = "--preprocess" ]; then
    shift
    if ! ls -d /usr/share/cargo/registry/jpeg-decoder-* >/dev/null 2>&1; then
        echo "benchmarks/run.sh: the Rust side needs Debian's jpeg-decoder crate: apt-get install librust-jpeg-decoder-dev" >&2
        exit 1
    fi
    (cd benchmarks/rust-preprocess && PATH=/usr/bin:$PATH cargo build -q --release --offline --target wasm32-wasi \
        && PATH=/usr/bin:$PATH cargo build -q --release --offline)
    out="benchmarks/results/preprocess-$(date -u +%Y%m%dT%H%M%SZ).txt"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m -XX:-DontCompileHugeMethods -Djwasmnn.root="$ROOT" \
        -cp "benchmarks/target/classes:benchmarks/target/lib/*" dev.jwasmnn.bench.PreprocessComparison "$@" | tee "$out"
    exit "${PIPESTATUS[0]}"
fi
if [ "${1:-}" = "--paired" ]; then
    shift
    out="benchmarks/results/paired-$(date -u +%Y%m%dT%H%M%SZ).txt"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m -XX:-DontCompileHugeMethods -Djwasmnn.root="$ROOT" -Djwasmnn.pytorch.cache_dir="$ROOT/build/djl" \
        -cp "benchmarks/target/classes:benchmarks/target/lib/*" dev.jwasmnn.bench.PairedComparison "$@" | tee "$out"
    exit "${PIPESTATUS[0]}"
fi
out="benchmarks/results/jmh-$(date -u +%Y%m%dT%H%M%SZ).json"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Djwasmnn.root="$ROOT" \
    -cp "benchmarks/target/classes:benchmarks/target/lib/*" org.openjdk.jmh.Main \
    -jvmArgsAppend "-Djwasmnn.root=$ROOT -Djwasmnn.pytorch.cache_dir=$ROOT/build/djl -Xss4m -XX:-DontCompileHugeMethods" -rf json -rff "$out" "$@"
python3 benchmarks/summarize.py "$out"
