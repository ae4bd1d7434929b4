#!/usr/bin/env bash
# Records the API baseline of protocol-api from the current sources: the jar that `./mvnw verify` compares the
# freshly built protocol-api with (japicmp; docs/ARCHITECTURE.md, "API compatibility"). Run it when an API change is
# deliberate, and at each release, and commit protocol-api/api-baseline/ with the change.
#
#   scripts/api-baseline.sh [MAVEN_ARGS...]      e.g. scripts/api-baseline.sh -o
#
# Builds protocol-api from scratch (clean package, no tests, no comparison) with a fixed archive timestamp, so that
# the same sources on the same JDK give a byte-identical jar: running it twice changes nothing. Copies the jar to
# protocol-api/api-baseline/protocol-api.jar, then prints its SHA-256, its module descriptor and its public types.
# Extra arguments go to Maven (-o to stay offline).
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

module=protocol-api
baseline="$module/api-baseline/$module.jar"
# Any fixed instant will do; it only has to stay the same so that re-recording unchanged sources is a no-op.
timestamp=2000-01-01T00:00:00Z

# shellcheck source=scripts/java-home.sh
. scripts/java-home.sh
java_home="$(netproto_java_home)"

printf 'api-baseline: building %s\n' "$module" >&2
./mvnw -q -pl "$module" -DskipTests -Djapicmp.skip=true -Dproject.build.outputTimestamp="$timestamp" \
    "$@" clean package

shopt -s nullglob
jars=("$module"/target/"$module"-*.jar)
shopt -u nullglob
if [[ ${#jars[@]} -ne 1 ]]; then
    printf 'api-baseline: expected one jar in %s/target, found %d: %s\n' "$module" "${#jars[@]}" "${jars[*]:-}" >&2
    exit 1
fi
jar="${jars[0]}"

mkdir -p "$(dirname -- "$baseline")"
if [[ -f "$baseline" ]] && cmp -s "$jar" "$baseline"; then
    status="unchanged"
else
    # Through a temporary file beside it, so an interrupted copy never leaves half a baseline.
    cp -- "$jar" "$baseline.tmp"
    mv -f -- "$baseline.tmp" "$baseline"
    status="recorded"
fi

if command -v sha256sum >/dev/null 2>&1; then
    sha="$(sha256sum -- "$baseline" | cut -d' ' -f1)"
else
    sha="$(shasum -a 256 -- "$baseline" | cut -d' ' -f1)"
fi

# Class names of every type in the jar (module-info is not a type); javap -public then prints the declaration of
# each, and the public and protected ones are the API japicmp compares.
classes=()
while IFS= read -r entry; do
    case "$entry" in
        module-info.class | */module-info.class | META-INF/*) ;;
        *.class) entry="${entry%.class}"; classes+=("${entry//\//.}") ;;
    esac
done < <("$java_home/bin/jar" --list --file "$baseline" | LC_ALL=C sort)
if [[ ${#classes[@]} -eq 0 ]]; then
    printf 'api-baseline: %s holds no classes\n' "$baseline" >&2
    exit 1
fi

printf '%s: %s\n' "$status" "$baseline"
printf 'sha256: %s\n' "$sha"
printf 'module:\n'
"$java_home/bin/jar" --describe-module --file "$baseline" | sed -n '2,$p' | sed '/^$/d; s/^/  /'
printf 'public types:\n'
# One line per type: its binary name, then its kind (javap shows records and enums as final classes extending
# java.lang.Record and java.lang.Enum, annotations as interfaces extending java.lang.annotation.Annotation).
"$java_home/bin/javap" -public -cp "$baseline" "${classes[@]}" | awk '
    /^(public|protected) .*(class|interface) [^ ]+/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "class" || $i == "interface") { kind = $i; name = $(i + 1); break }
        }
        sub(/[<{].*$/, "", name)
        if ($0 ~ / extends java\.lang\.Record /) kind = "record"
        else if ($0 ~ / extends java\.lang\.Enum</) kind = "enum"
        else if ($0 ~ / extends java\.lang\.annotation\.Annotation /) kind = "@interface"
        else if (kind == "class" && $0 ~ /^(public|protected) (.* )?abstract /) kind = "abstract class"
        printf "  %-50s %s\n", name, kind
    }' | LC_ALL=C sort
if [[ "$status" == recorded ]]; then
    printf 'Commit %s with the change that altered the API: ./mvnw verify now compares against it.\n' "$baseline"
fi
