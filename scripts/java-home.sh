#!/usr/bin/env bash
# Finds a JDK 21 or newer for ./mvnw, ./np and .ci/run. Sourced, it defines netproto_java_home; run as a script, it
# calls it. netproto_java_home prints the home of a JDK 21 or newer (JAVA_HOME if it is one, else the newest in the
# usual install places: /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman, ~/.jdks, macOS's JavaVirtualMachines; else the
# javac on the PATH), or explains on stderr and returns 1.

# Prints the feature release of a java binary (8 for 1.8.0_x, 25 for 25.0.1), or nothing if it does not run.
netproto_java_major() {
    local output version
    output="$("$1" -version 2>&1)" || return 0
    # The first line that states a version: JAVA_TOOL_OPTIONS makes the JVM print a line before it.
    version="$(printf '%s\n' "$output" | sed -n 's/^.* version "\([^"]*\)".*$/\1/p;T;q')"
    if [[ "$version" == 1.* ]]; then
        version="${version#1.}"
    fi
    version="${version%%[.+-]*}"
    if [[ "$version" =~ ^[0-9]+$ ]]; then
        printf '%s\n' "$version"
    fi
    return 0
}

netproto_java_home() {
    local candidate major best="" best_major=0
    if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
        major="$(netproto_java_major "$JAVA_HOME/bin/java")"
        if [[ -n "$major" && "$major" -ge 21 ]]; then
            printf '%s\n' "$JAVA_HOME"
            return
        fi
        printf 'netproto: ignoring JAVA_HOME=%s (Java %s; netproto needs 21 or newer)\n' "$JAVA_HOME" "${major:-unknown}" >&2
    elif [[ -n "${JAVA_HOME:-}" ]]; then
        printf 'netproto: ignoring JAVA_HOME=%s (no bin/java there)\n' "$JAVA_HOME" >&2
    fi
    for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
        "${HOME:-/nonexistent}"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [[ -x "$candidate/bin/java" && -x "$candidate/bin/javac" ]] || continue
        major="$(netproto_java_major "$candidate/bin/java")"
        if [[ -n "$major" && "$major" -ge 21 && "$major" -gt "$best_major" ]]; then
            best="$candidate"
            best_major="$major"
        fi
    done
    if [[ -z "$best" ]] && candidate="$(command -v javac 2>/dev/null)"; then
        candidate="$(dirname -- "$(dirname -- "$(readlink -f -- "$candidate" 2>/dev/null || printf '%s' "$candidate")")")"
        major="$(netproto_java_major "$candidate/bin/java")"
        if [[ -n "$major" && "$major" -ge 21 ]]; then
            best="$candidate"
        fi
    fi
    if [[ -z "$best" ]]; then
        printf 'netproto: no JDK 21 or newer found: set JAVA_HOME to one (looked at JAVA_HOME, /usr/lib/jvm, /usr/java, /opt/java, ~/.sdkman, ~/.jdks, PATH)\n' >&2
        return 1
    fi
    printf '%s\n' "$best"
}


if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    netproto_java_home
fi
