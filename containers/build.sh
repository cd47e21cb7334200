#!/usr/bin/env bash
# Builds the jwasm-nn:cpu or jwasm-nn:gpu image with podman (or docker): the server's jars (the
# -Pgpu flavour for gpu, built in a copy of the sources so the checkout keeps its CPU build), the
# bundled example models, then containers/Dockerfile or Dockerfile.gpu.
#
#   containers/build.sh [cpu|gpu] [--local-base] [--tag NAME]
#
# --local-base: no registry is reachable, so make the two base images locally first: a Debian
# bookworm rootfs from debootstrap, and the same with this machine's JDK (>= 21) for the jlink
# stage (podman import; about a minute the first time).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FLAVOUR=cpu
TAG=""
LOCAL_BASE=0
while [ $# -gt 0 ]; do
    case "$1" in
        cpu|gpu) FLAVOUR="$1"; shift ;;
        --local-base) LOCAL_BASE=1; shift ;;
        --tag) TAG="$2"; shift 2 ;;
        *) echo "containers/build.sh: unknown argument '$1' (usage: $0 [cpu|gpu] [--local-base] [--tag NAME])" >&2; exit 2 ;;
    esac
done
TAG=${TAG:-jwasm-nn:$FLAVOUR}
ENGINE=$(command -v podman || command -v docker || true)
if [ -z "$ENGINE" ]; then
    echo "containers/build.sh: needs podman or docker (apt-get install podman runc)" >&2
    exit 1
fi
. scripts/java-env.sh
jwasmnn_find_java
scripts/prepare-examples
mvn -B -q -DskipTests install

CTX="$ROOT/build/container-$FLAVOUR"
rm -rf "$CTX" && mkdir -p "$CTX/app" "$CTX/models"
SERVER="$ROOT/inference-server/target"
DOCKERFILE=containers/Dockerfile
if [ "$FLAVOUR" = gpu ]; then
    SRC="$ROOT/build/gpu-src"
    mkdir -p "$SRC"
    tar -C "$ROOT" --exclude=./build --exclude=./.git --exclude='*/target' -c . | tar -C "$SRC" -x
    mvn -B -q -Pgpu -DskipTests package -f "$SRC/pom.xml"
    SERVER="$SRC/inference-server/target"
    DOCKERFILE=containers/Dockerfile.gpu
fi
cp "$SERVER/jwasm-nn.jar" "$CTX/app/"
cp -r "$SERVER/lib" "$CTX/app/lib"
# The images are linux/amd64: drop the natives the jars carry for other systems (about 200 MB).
if [ "$(uname -m)" = x86_64 ]; then
    python3 - "$CTX/app/lib" <<'PY'
import glob, os, sys, zipfile
OTHERS = {
    "opencv-": ("nu/pattern/opencv/", "nu/pattern/opencv/linux/x86_64/"),
    "onnxruntime": ("ai/onnxruntime/native/", "ai/onnxruntime/native/linux-x64/"),
}
for jar in glob.glob(os.path.join(sys.argv[1], "*.jar")):
    name = os.path.basename(jar)
    rule = next((r for prefix, r in OTHERS.items() if name.startswith(prefix)), None)
    if rule is None:
        continue
    native, keep = rule
    slim = jar + ".slim"
    with zipfile.ZipFile(jar) as src, zipfile.ZipFile(slim, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if item.filename.startswith(native) and not item.filename.startswith(keep) and item.filename != native:
                continue
            dst.writestr(item, src.read(item.filename))
    os.replace(slim, jar)
PY
fi
cp -rL build/repository/. "$CTX/models/"
if [ "$FLAVOUR" = gpu ]; then
    # An example that asks for the GPU, to show the policy at work.
    mkdir -p "$CTX/models/mobilenet-gpu/1"
    cp build/models/mobilenet_v2.onnx "$CTX/models/mobilenet-gpu/1/model.onnx"
    printf 'target: gpu\n' >"$CTX/models/mobilenet-gpu/config.yaml"
fi
cp "$DOCKERFILE" "$CTX/Dockerfile"

ARGS=()
if [ "$LOCAL_BASE" = 1 ]; then
    ROOTFS="$ROOT/build/container-rootfs"
    if ! "$ENGINE" image exists localhost/jwasm-base:bookworm 2>/dev/null; then
        command -v debootstrap >/dev/null || { echo "containers/build.sh: apt-get install debootstrap" >&2; exit 1; }
        rm -rf "$ROOTFS" && debootstrap --variant=minbase bookworm "$ROOTFS" >/dev/null
        tar -C "$ROOTFS" -c . | "$ENGINE" import - localhost/jwasm-base:bookworm >/dev/null
    fi
    if ! "$ENGINE" image exists localhost/jwasm-jdk:local 2>/dev/null; then
        JDK_CTX="$ROOT/build/container-jdk"
        rm -rf "$JDK_CTX" && mkdir -p "$JDK_CTX" && cp -rL "$JAVA_HOME" "$JDK_CTX/jdk"
        printf 'FROM localhost/jwasm-base:bookworm\nCOPY jdk /opt/java\nENV JAVA_HOME=/opt/java\n' >"$JDK_CTX/Dockerfile"
        "$ENGINE" build -q -t localhost/jwasm-jdk:local "$JDK_CTX" >/dev/null
    fi
    ARGS+=(--build-arg JDK_IMAGE=localhost/jwasm-jdk:local --build-arg BASE_IMAGE=localhost/jwasm-base:bookworm)
fi
"$ENGINE" build --network=host "${ARGS[@]}" -t "$TAG" "$CTX"
echo "built $TAG: $("$ENGINE" image inspect "$TAG" --format '{{.Size}}') bytes"
