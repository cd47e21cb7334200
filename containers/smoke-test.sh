#!/usr/bin/env bash
# Starts an image with its bundled example models and checks it serves.
#   containers/smoke-test.sh [cpu|gpu] [IMAGE]        (default: cpu, jwasm-nn:<flavour>)
# cpu: waits for /v2/health/ready, then checks a V2 inference, a guest, an OpenCV pipeline and
# TorchScript (libtorch as unpacked into the image).
# gpu (on a machine without a GPU): with gpu_policy=fail the GPU models (ONNX Runtime and
# TorchScript) are refused, the server stays unready and its log says why; with
# gpu_policy=fallback it becomes ready, the GPU models answer from the CPU, and the log says so.
set -euo pipefail
FLAVOUR=${1:-cpu}
IMAGE=${2:-jwasm-nn:$FLAVOUR}
PORT=${PORT:-18080}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/containers/engine.sh"
jwasmnn_container_engine
command -v curl >/dev/null || { echo "containers/smoke-test.sh: needs curl (apt-get install curl)" >&2; exit 1; }
NAME=""

start() { # ARGS... after `serve`
    NAME="jwasm-smoke-$$-$RANDOM"
    STARTED=$(date +%s%N)
    # No --rm: a server that dies must leave its logs to show; stop() removes the container.
    "$ENGINE" run -d --name "$NAME" --network=host "$IMAGE" serve --models /mnt/models --port "$PORT" \
        --admin-port 0 "$@" >/dev/null
}
stop() {
    [ -n "$NAME" ] && "$ENGINE" rm -f "$NAME" >/dev/null 2>&1 || true
    NAME=""
}
trap stop EXIT
# POSTs MobileNetV2's reference input to a model over the raw binary form; prints "ok" when all
# 1000 logits (after the answer's JSON header) are within 1e-4 of torch's, else what differed.
mobilenet_matches_torch() { # MODEL
    local out headers
    out=$(mktemp)
    headers=$(mktemp)
    curl -fsS -D "$headers" -o "$out" --data-binary @"$ROOT/build/models/mobilenet_v2.input.f32" \
        -H 'Inference-Header-Content-Length: 0' "http://127.0.0.1:$PORT/v2/models/$1/infer" || { rm -f "$out" "$headers"; echo "request failed"; return; }
    python3 - "$out" "$ROOT/build/models/mobilenet_v2.torch.f32" "$headers" <<'PY'
import struct, sys
got, want = (open(p, "rb").read() for p in sys.argv[1:3])
json_length = 0
for line in open(sys.argv[3], encoding="latin-1"):
    name, _, value = line.partition(":")
    if name.strip().lower() == "inference-header-content-length":
        json_length = int(value.strip())
got = got[json_length:]
if len(got) != len(want):
    print(f"{len(got)} bytes, expected {len(want)}"); sys.exit()
g, w = (struct.unpack(f"<{len(b) // 4}f", b) for b in (got, want))
worst = max(abs(a - b) for a, b in zip(g, w))
print("ok" if worst <= 1e-4 else f"max difference {worst}")
PY
    rm -f "$out" "$headers"
}
wait_for() { # PATH SECONDS -> 0 when it answered 200 in time
    for _ in $(seq 1 $(( $2 * 10 ))); do
        curl -fsS "http://127.0.0.1:$PORT$1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
expect() { # WHAT ACTUAL PATTERN
    case "$2" in *"$3"*) ;; *) echo "smoke: $1 answered: $2" >&2; "$ENGINE" logs "$NAME" >&2 || true; exit 1 ;; esac
}

if [ "$FLAVOUR" = cpu ]; then
    start
    wait_for /v2/health/ready 60 || { "$ENGINE" logs "$NAME" >&2; echo "smoke: never ready" >&2; exit 1; }
    ready_ms=$(( ($(date +%s%N) - STARTED) / 1000000 ))
    expect tiny "$(curl -fsS -d '{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}' \
        "http://127.0.0.1:$PORT/v2/models/tiny/infer")" '"data":[3.0,5.0,7.0,9.0]'
    expect mobilenet "$(curl -fsS --data-binary @"$ROOT/build/models/sample-224.bmp" \
        "http://127.0.0.1:$PORT/v1/infer/mobilenet")" '"top":[{"class":359'
    expect mobilenet-cv "$(curl -fsS --data-binary @"$ROOT/build/models/photo-640x480.jpg" -H 'Content-Type: image/jpeg' \
        "http://127.0.0.1:$PORT/v1/infer/mobilenet-cv")" '"top":[{"class":149'
    expect mobilenet-pt "$(mobilenet_matches_torch mobilenet-pt)" ok
    echo "smoke: $IMAGE ready in ${ready_ms} ms; tiny, mobilenet (guest), mobilenet-cv (OpenCV pipeline) and mobilenet-pt (TorchScript) answered correctly"
    exit 0
fi

# gpu, policy fail: alive, never ready, and the log names what is missing.
start --backend-setting gpu_policy=fail
wait_for /v2/health/live 60 || { "$ENGINE" logs "$NAME" >&2; echo "smoke: never alive" >&2; exit 1; }
for _ in $(seq 1 600); do
    log=$("$ENGINE" logs "$NAME" 2>&1 || true)
    case "$log" in *"mobilenet-gpu: load failed"*"mobilenet-gpu-pt: load failed"*|*"mobilenet-gpu-pt: load failed"*"mobilenet-gpu: load failed"*) break ;; esac
    sleep 0.1
done
expect "the fail policy's log" "$log" "ONNX Runtime has no usable GPU"
expect "the fail policy's log" "$log" "PyTorch has no usable GPU"
if curl -fsS "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null 2>&1; then
    echo "smoke: ready although a GPU model was refused" >&2; exit 1
fi
expect "tiny under the fail policy" "$(curl -fsS -d '{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}' \
    "http://127.0.0.1:$PORT/v2/models/tiny/infer")" '"data":[3.0,5.0,7.0,9.0]'
stop
echo "smoke: $IMAGE with gpu_policy=fail: GPU models refused ($(echo "$log" | grep -oE '(ONNX Runtime|PyTorch) has no usable GPU: .* \(gpu_policy fail\)' | sed 's/ (gpu_policy fail)//' | sort -u | paste -sd ';' | sed 's/;/; /g')), server unready, CPU models serve"

# gpu, policy fallback: ready, the GPU model answers from the CPU, and the log says so.
start --backend-setting gpu_policy=fallback
wait_for /v2/health/ready 120 || { "$ENGINE" logs "$NAME" >&2; echo "smoke: never ready" >&2; exit 1; }
ready_ms=$(( ($(date +%s%N) - STARTED) / 1000000 ))
expect "the fallback policy's log" "$("$ENGINE" logs "$NAME" 2>&1 || true)" "running on the CPU (gpu_policy fallback)"
expect mobilenet-gpu "$(mobilenet_matches_torch mobilenet-gpu)" ok
expect mobilenet-gpu-pt "$(mobilenet_matches_torch mobilenet-gpu-pt)" ok
echo "smoke: $IMAGE with gpu_policy=fallback: ready in ${ready_ms} ms, mobilenet-gpu (ONNX Runtime) and mobilenet-gpu-pt (TorchScript, the CUDA libtorch) served from the CPU"
