#!/usr/bin/env bash
# Starts the image with its bundled example models, waits for /v2/health/ready, sends an
# inference through a guest and one through the Open Inference Protocol, and checks the answers.
#   containers/smoke-test.sh [IMAGE]      (default jwasm-nn:cpu)
set -euo pipefail
IMAGE=${1:-jwasm-nn:cpu}
PORT=${PORT:-18080}
ENGINE=$(command -v podman || command -v docker)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name="jwasm-smoke-$$"
start=$(date +%s%N)
"$ENGINE" run -d --rm --name "$name" --network=host "$IMAGE" serve --models /mnt/models --port "$PORT" \
    --admin-port 0 >/dev/null
trap '"$ENGINE" rm -f "$name" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 600); do
    if curl -fsS "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null 2>&1; then break; fi
    sleep 0.1
done
ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
curl -fsS "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null || { "$ENGINE" logs "$name" >&2; echo "smoke: never ready" >&2; exit 1; }
tiny=$(curl -fsS -d '{"inputs":[{"name":"x","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}' \
    "http://127.0.0.1:$PORT/v2/models/tiny/infer")
case "$tiny" in *'"data":[3.0,5.0,7.0,9.0]'*) ;; *) echo "smoke: tiny answered $tiny" >&2; exit 1 ;; esac
top=$(curl -fsS --data-binary @"$ROOT/build/models/sample-224.bmp" "http://127.0.0.1:$PORT/v1/infer/mobilenet")
case "$top" in *'"top":[{"class":359'*) ;; *) echo "smoke: mobilenet answered $top" >&2; exit 1 ;; esac
cv=$(curl -fsS --data-binary @"$ROOT/build/models/photo-640x480.jpg" -H 'Content-Type: image/jpeg' \
    "http://127.0.0.1:$PORT/v1/infer/mobilenet-cv")
case "$cv" in *'"top":[{"class":149'*) ;; *) echo "smoke: mobilenet-cv answered $cv" >&2; exit 1 ;; esac
echo "smoke: $IMAGE ready in ${ready_ms} ms; tiny, mobilenet (guest) and mobilenet-cv (OpenCV pipeline) answered correctly"
