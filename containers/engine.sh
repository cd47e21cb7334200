# Sourced by the container scripts: picks the container engine (podman, else docker) into ENGINE.
#
# A machine with no containers.conf of its own gets containers/podman.conf: rootful podman inside a
# VM or container, where raising rlimits is refused and systemd is not running (see that file).
# A containers.conf of the user's own, or CONTAINERS_CONF, always wins.
jwasmnn_container_engine() {
    ENGINE=$(command -v podman || command -v docker || true)
    if [ -z "$ENGINE" ]; then
        echo "jwasm-nn: building and running the images needs podman or docker;" >&2
        echo "          on Debian: apt-get install podman runc (scripts/install-deps does this)" >&2
        return 1
    fi
    if [ "$(basename "$ENGINE")" = podman ] && [ -z "${CONTAINERS_CONF:-}" ] \
        && [ ! -e /etc/containers/containers.conf ] && [ ! -e "${XDG_CONFIG_HOME:-$HOME/.config}/containers/containers.conf" ]; then
        CONTAINERS_CONF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/podman.conf"
        export CONTAINERS_CONF
    fi
}
