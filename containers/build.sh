#!/usr/bin/env bash
# Builds the jwasm-nn:cpu or jwasm-nn:gpu image with podman (or docker): the server's jars (the
# -Pgpu flavour for gpu, built in a copy of the sources so the checkout keeps its CPU build), the
# bundled example models, then containers/Dockerfile or Dockerfile.gpu.
#
#   containers/build.sh [cpu|gpu] [--local-base] [--prebuilt] [--tag NAME]
#
# --prebuilt: use the jars already in inference-server/target (scripts/test has just built them)
# instead of running `mvn install` first; cpu only, the gpu flavour is always built here.
# --local-base: no registry is reachable, so make the two base images locally first: a Debian
# bookworm rootfs from debootstrap, and the same with this machine's JDK (>= 21) for the jlink
# stage (podman import; about a minute the first time).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
FLAVOUR=cpu
TAG=""
LOCAL_BASE=0
PREBUILT=0
while [ $# -gt 0 ]; do
    case "$1" in
        cpu|gpu) FLAVOUR="$1"; shift ;;
        --local-base) LOCAL_BASE=1; shift ;;
        --prebuilt) PREBUILT=1; shift ;;
        --tag) [ $# -ge 2 ] || { echo "containers/build.sh: --tag needs a name" >&2; exit 2; }; TAG="$2"; shift 2 ;;
        *) echo "containers/build.sh: unknown argument '$1' (usage: $0 [cpu|gpu] [--local-base] [--prebuilt] [--tag NAME])" >&2; exit 2 ;;
    esac
done
TAG=${TAG:-jwasm-nn:$FLAVOUR}
. containers/engine.sh
jwasmnn_container_engine
for tool in unzip zip; do
    command -v "$tool" >/dev/null || { echo "containers/build.sh: needs $tool (apt-get install $tool)" >&2; exit 1; }
done
. scripts/java-env.sh
jwasmnn_find_java
scripts/prepare-examples
if [ "$PREBUILT" = 0 ] || [ ! -f inference-server/target/jwasm-nn.jar ]; then
    mvn -B -q -DskipTests install
fi

CTX="$ROOT/build/container-$FLAVOUR"
rm -rf "$CTX" && mkdir -p "$CTX/app" "$CTX/models"
SERVER="$ROOT/inference-server/target"
DOCKERFILE=containers/Dockerfile
if [ "$FLAVOUR" = gpu ]; then
    SRC="$ROOT/build/gpu-src"
    rm -rf "$SRC" && mkdir -p "$SRC" # a fresh copy: files deleted from the checkout must not linger
    tar -C "$ROOT" --exclude=./build --exclude=./.git --exclude='*/target' -c . | tar -C "$SRC" -x
    mvn -B -q -Pgpu -DskipTests package -f "$SRC/pom.xml"
    SERVER="$SRC/inference-server/target"
    DOCKERFILE=containers/Dockerfile.gpu
fi
cp "$SERVER/jwasm-nn.jar" "$CTX/app/"
cp -r "$SERVER/lib" "$CTX/app/lib"
# libtorch unpacked now rather than at every container start; the image's server finds it through
# -Djwasmnn.pytorch.library_dir (see the Dockerfiles), and the jar it came from is left out.
"$JAVA_HOME/bin/java" -cp "$CTX/app/lib/*" dev.jwasmnn.nn.backend.pytorch.LibTorchNatives "$CTX/app/libtorch" >/dev/null
rm "$CTX"/app/lib/pytorch-native-*.jar
# The images are linux/amd64: drop the natives the jars carry for other systems (about 200 MB).
# `zip -d` removes entries without recompressing the rest (seconds, not a minute, for 600 MB).
if [ "$(uname -m)" = x86_64 ]; then
    slim() { # JAR NATIVE_DIR KEEP_DIR
        local drop
        drop=$(unzip -Z1 "$1" | grep "^$2." | grep -v "^$3" || true)
        [ -z "$drop" ] || printf '%s\n' "$drop" | zip -q -d "$1" -@ >/dev/null
    }
    for jar in "$CTX"/app/lib/opencv-*.jar; do slim "$jar" nu/pattern/opencv/ nu/pattern/opencv/linux/x86_64/; done
    for jar in "$CTX"/app/lib/onnxruntime*.jar; do slim "$jar" ai/onnxruntime/native/ ai/onnxruntime/native/linux-x64/; done
fi
cp -rL build/repository/. "$CTX/models/"
# MobileNetV2 as TorchScript too, served over the Open Inference Protocol: the image's libtorch at work.
pytorch_example() { # NAME TARGET
    mkdir -p "$CTX/models/$1/1"
    cp build/models/mobilenet_v2.pt "$CTX/models/$1/1/model.pt"
    printf 'target: %s\ninputs: [{name: x, datatype: FP32, shape: [1, 3, 224, 224]}]\noutputs: [{name: logits, datatype: FP32, shape: [1, 1000]}]\n' \
        "$2" >"$CTX/models/$1/config.yaml"
}
if [ "$FLAVOUR" = gpu ]; then
    # Examples that ask for the GPU, one per backend, to show the policy at work.
    mkdir -p "$CTX/models/mobilenet-gpu/1"
    cp build/models/mobilenet_v2.onnx "$CTX/models/mobilenet-gpu/1/model.onnx"
    printf 'target: gpu\n' >"$CTX/models/mobilenet-gpu/config.yaml"
    pytorch_example mobilenet-gpu-pt gpu
else
    pytorch_example mobilenet-pt cpu
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
OLD_ID=$("$ENGINE" image inspect "$TAG" --format '{{.Id}}' 2>/dev/null || true)
"$ENGINE" build --network=host "${ARGS[@]}" -t "$TAG" "$CTX"
NEW_ID=$("$ENGINE" image inspect "$TAG" --format '{{.Id}}')
# The image this build replaced is left untagged; drop it (and the copy of the context) rather
# than leave gigabytes behind on every rebuild. An image a container still uses stays.
if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$NEW_ID" ]; then
    "$ENGINE" rmi "$OLD_ID" >/dev/null 2>&1 || true
fi
rm -rf "$CTX"
echo "built $TAG: $("$ENGINE" image inspect "$TAG" --format '{{.Size}}') bytes"
