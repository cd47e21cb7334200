# Sourced by ./jwasm-nn, scripts/test and .ci/run: finds a JDK >= 21 and exports JAVA_HOME.
# Order: $JAVA_HOME, `java` on PATH, then the newest JDK under /usr/lib/jvm and /opt.

jwasmnn_java_major() {
    # Prints the feature version of the java binary $1 (17, 21, 25 ...), or nothing.
    "$1" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

jwasmnn_find_java() {
    local candidate major best="" best_major=0
    for candidate in \
        "${JAVA_HOME:+$JAVA_HOME/bin/java}" \
        "$(command -v java 2>/dev/null || true)" \
        /usr/lib/jvm/*/bin/java /opt/*/bin/java /opt/java/*/bin/java; do
        [ -n "$candidate" ] && [ -x "$candidate" ] || continue
        [ -x "$(dirname "$candidate")/javac" ] || continue
        major=$(jwasmnn_java_major "$candidate")
        [ -n "$major" ] || continue
        if [ "$major" -ge 21 ]; then
            # Respect an explicit JAVA_HOME or PATH choice; otherwise take the newest.
            if [ -n "${JAVA_HOME:-}" ] && [ "$candidate" = "$JAVA_HOME/bin/java" ]; then
                best=$candidate; best_major=$major; break
            fi
            if [ "$major" -gt "$best_major" ]; then
                best=$candidate; best_major=$major
            fi
        fi
    done
    if [ -z "$best" ]; then
        echo "jwasm-nn needs a JDK 21 or newer and found none (looked at \$JAVA_HOME, java on PATH," >&2
        echo "/usr/lib/jvm/* and /opt/*). Install one, e.g. 'apt-get install openjdk-21-jdk-headless'" >&2
        echo "or Temurin 21+, then set JAVA_HOME to it." >&2
        return 1
    fi
    JAVA_HOME=$(cd "$(dirname "$best")/.." && pwd)
    export JAVA_HOME
    export PATH="$JAVA_HOME/bin:$PATH"
    # Maven 3.8's bundled Guava trips JDK 24+'s sun.misc.Unsafe warnings; they are Maven's, not ours.
    if [ "$best_major" -ge 24 ]; then
        case " ${MAVEN_OPTS:-} " in
            *sun-misc-unsafe-memory-access*) ;;
            *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
        esac
    fi
}
