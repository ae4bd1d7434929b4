#!/usr/bin/env bash
# Runs the Jazzer fuzz targets in fuzzing mode (coverage-guided, JAZZER_FUZZ=1) for longer than the seed replay that
# every `./mvnw verify` does, one target at a time (Jazzer fuzzes one @FuzzTest per JVM).
#
#   scripts/fuzz.sh [--seconds N] [--offline] [TARGET...]
#
#   --seconds N   how long each target fuzzes (default 120); Jazzer's max_duration, which overrides
#                 @FuzzTest(maxDuration)
#   --offline     pass -o to Maven (the dependencies are already in the local repository)
#   TARGET        one or more of the names below (default: all of them, in this order)
#
# Crashing inputs are written by Jazzer into the target's seed directory,
# <module>/src/test/resources/<package>/<Class>Inputs/<method>/ (named crash-<sha1>), so that every later
# `./mvnw verify` replays them: fix the cause, then commit the input with the fix. The corpus Jazzer grows is kept in
# <module>/.cifuzz-corpus/ (ignored by git) and resumed by the next run. Each target's log, with libFuzzer's
# statistics, goes to target/fuzz/<target>.log; a summary line per target is printed. Exits 1 if any target found
# something or failed to run.
set -euo pipefail

cd "$(dirname "$0")/.."

# name module class#method
TARGETS=(
    "frame-reader protocol-core FrameReaderFuzzTest#shouldReportOnlyProtocolErrorsWhenFedAnyBytes"
    "hello protocol-core HelloFuzzTest#shouldDecodeOrRefuseWhenGivenAnyPayload"
    "deflate protocol-core DeflateDecompressFuzzTest#shouldDecompressOrRefuseWhenGivenAnyStream"
    "lz4 compression Lz4DecompressFuzzTest#shouldDecompressOrRefuseWhenGivenAnyStream"
    "zstd compression ZstdDecompressFuzzTest#shouldDecompressOrRefuseWhenGivenAnyStream"
    "noise-handshake security-noise HandshakeFuzzTest#shouldReadOrRefuseWhenTheInitiatorSendsAnyMessages"
    "noise-records security-noise RecordProtectionFuzzTest#shouldOpenOrRefuseWhenGivenAnySealedRecord"
    "config daemon DaemonConfigFuzzTest#shouldLoadOrListProblemsWhenGivenAnyFile"
)

seconds=120
offline=()
wanted=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --offline) offline=(-o); shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) printf 'fuzz: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
        *) wanted+=("$1"); shift ;;
    esac
done
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    printf 'fuzz: --seconds needs a positive whole number, not %s\n' "$seconds" >&2
    exit 2
fi

names=()
for t in "${TARGETS[@]}"; do
    names+=("${t%% *}")
done
if [[ ${#wanted[@]} -eq 0 ]]; then
    wanted=("${names[@]}")
fi
for w in "${wanted[@]}"; do
    if [[ " ${names[*]} " != *" $w "* ]]; then
        printf 'fuzz: unknown target %s (known: %s)\n' "$w" "${names[*]}" >&2
        exit 2
    fi
done

mkdir -p target/fuzz
failed=0
for w in "${wanted[@]}"; do
    for t in "${TARGETS[@]}"; do
        read -r name module test <<< "$t"
        [[ "$name" == "$w" ]] || continue
        log="target/fuzz/$name.log"
        inputs="$(find "$module/src/test/resources" -type d -name "${test%%#*}Inputs")/${test#*#}"
        before="$(ls "$inputs" 2>/dev/null | grep -c '^crash-' || true)"
        printf 'fuzz: %s (%s %s) for %ss, log %s\n' "$name" "$module" "$test" "$seconds" "$log"
        # The fuzzing flags replace the regular build's (root pom, netproto.fuzz.argLine): the agent settings stay,
        # max_duration overrides @FuzzTest(maxDuration). Upstream modules are built (-am) but run no test (-Dtest).
        flags="-XX:+EnableDynamicAgentLoading -Djazzer.instrument=dev.netproto.** -Djazzer.max_duration=${seconds}s"
        status=0
        JAZZER_FUZZ=1 ./mvnw "${offline[@]}" test -pl "$module" -am \
            -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Dcheckstyle.skip=true -Djapicmp.skip=true \
            -Dnetproto.fuzz.argLine="$flags" \
            > "$log" 2>&1 || status=$?
        runs="$(grep -a -o 'Done [0-9]* runs in [0-9]* second(s)' "$log" | tail -n 1 || true)"
        after="$(ls "$inputs" 2>/dev/null | grep -c '^crash-' || true)"
        if [[ "$status" -ne 0 || "$after" -ne "$before" ]]; then
            failed=1
            printf 'fuzz: %s: FAILED (exit %s; %s new crash input(s) in %s): %s\n' "$name" "$status" \
                "$((after - before))" "$inputs" "${runs:-no libFuzzer summary, see the log}"
        else
            printf 'fuzz: %s: no finding (%s)\n' "$name" "${runs:-no libFuzzer summary, see the log}"
        fi
    done
done
exit "$failed"
