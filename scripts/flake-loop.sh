#!/usr/bin/env bash
# Runs the whole test suite many times in a row to find flaky tests, optionally beside CPU hogs, and tallies what
# failed. Each run is `./mvnw clean verify` in a fresh clone of the committed HEAD (what CI sees: uncommitted changes
# are not in it), so the working tree stays free to edit meanwhile.
#
#   scripts/flake-loop.sh [--runs N] [--hogs K] [--require-programs] [--keep DIR]
#
#   --runs N              full runs (default 10)
#   --hogs K              K busy loops (`yes >/dev/null`) run beside the suite for the whole loop (default 0)
#   --require-programs    as CI: a test whose external program is missing fails instead of skipping
#   --keep DIR            where the reports of failed runs are kept (default: a new directory under $TMPDIR)
#
# Prints one line per run and a final tally; exits 1 if any run failed. Failures are to be fixed at their cause, not
# retried away: the kept surefire reports (and *-output.txt) show what each failing test saw.
set -euo pipefail

runs=10
hogs=0
require=false
keep=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --hogs) hogs="$2"; shift 2 ;;
        --require-programs) require=true; shift ;;
        --keep) keep="$2"; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) printf 'flake-loop: unknown option %s (see --help)\n' "$1" >&2; exit 2 ;;
    esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { printf 'flake-loop: --runs takes a positive number\n' >&2; exit 2; }
[[ "$hogs" =~ ^[0-9]+$ ]] || { printf 'flake-loop: --hogs takes a number\n' >&2; exit 2; }

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
work="$(mktemp -d "${TMPDIR:-/tmp}/netproto-flake.XXXXXX")"
keep="${keep:-$work/failures}"
mkdir -p "$keep"
hog_pids=()

cleanup() {
    for pid in "${hog_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    rm -rf "$work/clone"
}
trap cleanup EXIT

git clone --quiet --no-hardlinks "$root" "$work/clone"
printf 'flake-loop: %s runs of ./mvnw clean verify at %s, %s CPU hog(s), failures kept in %s\n' \
    "$runs" "$(git -C "$work/clone" rev-parse --short HEAD)" "$hogs" "$keep"

for ((h = 0; h < hogs; h++)); do
    yes >/dev/null &
    hog_pids+=("$!")
done

failed=0
declare -A failures_by_test=()
for ((i = 1; i <= runs; i++)); do
    log="$work/run-$i.log"
    start=$SECONDS
    status=0
    (cd "$work/clone" && ./mvnw -B clean verify -Dnetproto.test.requirePrograms="$require") >"$log" 2>&1 || status=$?
    took=$((SECONDS - start))
    # Totals over every module's surefire summary lines ("Tests run: N, Failures: F, Errors: E, Skipped: S").
    totals="$(grep -h '^Tests run:' "$work"/clone/*/target/surefire-reports/*.txt 2>/dev/null \
        | awk -F'[:,]' '{t+=$2; f+=$4; e+=$6; s+=$8} END {printf "tests=%d failures=%d errors=%d skipped=%d", t, f, e, s}')"
    if [[ "$status" -eq 0 ]]; then
        printf 'run %d/%d: ok in %ds, %s\n' "$i" "$runs" "$took" "$totals"
        continue
    fi
    failed=$((failed + 1))
    mkdir -p "$keep/run-$i"
    cp "$log" "$keep/run-$i/"
    names=()
    for report in "$work"/clone/*/target/surefire-reports/*.txt; do
        [[ -f "$report" ]] || continue
        if grep -q '<<< \(FAILURE\|ERROR\)!' "$report"; then
            cp "$report" "${report%.txt}-output.txt" "$keep/run-$i/" 2>/dev/null || true
            while IFS= read -r name; do
                names+=("$name")
                failures_by_test["$name"]=$(( ${failures_by_test["$name"]:-0} + 1 ))
            done < <(grep -o '^[^ ]*  *-- Time elapsed.*<<< \(FAILURE\|ERROR\)!' "$report" | awk '{print $1}')
        fi
    done
    if [[ ${#names[@]} -eq 0 ]]; then
        names=("(build failed outside tests: see $keep/run-$i/run-$i.log)")
        failures_by_test["build"]=$(( ${failures_by_test["build"]:-0} + 1 ))
    fi
    printf 'run %d/%d: FAILED in %ds, %s: %s\n' "$i" "$runs" "$took" "$totals" "${names[*]}"
done

printf 'flake-loop: %d runs, %d failed (%d CPU hogs)\n' "$runs" "$failed" "$hogs"
for name in "${!failures_by_test[@]}"; do
    printf '  %s failed in %d run(s)\n' "$name" "${failures_by_test[$name]}"
done
[[ "$failed" -eq 0 ]]
