#!/usr/bin/env bash
# Load benchmark of the HTTP server: wrk against the real server (started in-process), compared
# with the in-process compute of the same models measured in the same JVM and run.
#   benchmarks/load.sh                           # 3 rounds × 5 s per configuration (about 12 min)
#   benchmarks/load.sh --duration 10 --rounds 5  # longer
#   benchmarks/load.sh --quick                   # 1 round × 2 s: a smoke test (about 3 min)
#   benchmarks/load.sh --setting onnxruntime.allow_spinning=false
#                                                # a backend setting for the server and the reference
#   benchmarks/load.sh --setting onnxruntime.intra_op_threads=1 --model-concurrency mobilenet=2
#                                                # a model's concurrency (default: tiny cores, mobilenet 1)
#   benchmarks/load.sh --in-flight mobilenet=4    # a model's in_flight (default: twice its concurrency)
#   benchmarks/load.sh --reload [--rounds N] [--duration S] [--connections C]
#                                                # p99 while a model reloads back to back vs steady
#   benchmarks/load.sh --compare-in-flight [--pairs N] [--duration S] [--connections C] [--in-flight mobilenet=N]
#                                                # MobileNetV2 throughput, in_flight 2 (or N) vs 1, alternating
# Needs wrk (apt-get install wrk). The report goes to benchmarks/results/load-<UTC time>.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

usage() { echo "usage: benchmarks/load.sh [--reload | --compare-in-flight [--pairs N]] [--duration SECONDS] [--rounds N] [--connections C] [--quick] [--setting KEY=VALUE]... [--model-concurrency MODEL=N]... [--in-flight MODEL=N]..." >&2; exit 2; }
# Checked here too, so a typo fails before the build rather than after it.
main=dev.jwasmnn.bench.ServerLoad
name=load
given="$*"
args=()
props=()
while [ $# -gt 0 ]; do
    case "$1" in
        --reload) main=dev.jwasmnn.bench.ReloadLatency; name=reload; shift ;;
        --compare-in-flight) main=dev.jwasmnn.bench.InFlightComparison; name=in-flight; shift ;;
        --quick) args+=("$1"); shift ;;
        --model-concurrency|--in-flight) [[ "${2:-}" =~ ^[a-z][a-z0-9_-]*=[1-9][0-9]*$ ]] || usage; args+=("$1" "$2"); shift 2 ;;
        --setting) [[ "${2:-}" =~ ^[a-z_.]+=[^[:space:]]+$ ]] || usage; props+=("-Djwasmnn.$2"); shift 2 ;;
        --duration|--rounds|--connections|--pairs) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || usage; args+=("$1" "$2"); shift 2 ;;
        *) usage ;;
    esac
done

if ! command -v wrk >/dev/null 2>&1; then
    echo "benchmarks/load.sh needs wrk, the HTTP load generator. Install it with:" >&2
    echo "    sudo apt-get install wrk" >&2
    exit 1
fi
. scripts/java-env.sh
jwasmnn_find_java
mvn -B -q -DskipTests install >/dev/null
scripts/prepare-examples
mkdir -p benchmarks/results
out="benchmarks/results/$name-$(date -u +%Y%m%dT%H%M%SZ).txt"
# Progress (stderr) goes to the file too, ahead of the report.
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss4m -XX:-DontCompileHugeMethods -Djwasmnn.root="$ROOT" ${props[@]+"${props[@]}"} \
    -Djwasmnn.bench.command="benchmarks/load.sh $given" \
    -cp "benchmarks/target/classes:benchmarks/target/lib/*" "$main" "${args[@]}" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
echo "report: $out" >&2
exit "$status"
