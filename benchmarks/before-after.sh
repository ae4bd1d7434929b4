#!/usr/bin/env bash
# before-after.sh: this tree's np serve + np bench against another checkout's (the baseline: a clone of the commit
# before a change, built by its own ./np), alternating baseline and change run by run on loopback, then the medians
# (min-max) and ratios change/baseline of msgs_per_sec and p50. For "must not regress" figures: only a baseline
# measured in the same run, alternating, is a fair comparison on a small noisy machine.
#
# Usage: benchmarks/before-after.sh --baseline DIR [--runs N] [--seconds T] [--warmup W] [--points "C,D,S ..."]
#   Defaults: 3 runs, 10 s measured, 2 s warm-up, points "16,16,64 1,1,64", ports from 17800.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
baseline=""
runs=3
seconds=10
warmup=2
points="16,16,64 1,1,64"
port=17800
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || { printf 'before-after.sh: %s needs a value\n' "$1" >&2; exit 2; }
    case "$1" in
        --baseline) baseline="$2" ;;
        --runs) runs="$2" ;;
        --seconds) seconds="$2" ;;
        --warmup) warmup="$2" ;;
        --points) points="$2" ;;
        *) printf 'before-after.sh: unknown argument %s\n' "$1" >&2; exit 2 ;;
    esac
    shift 2
done
if [[ -z "$baseline" || ! -x "$baseline/np" ]]; then
    printf 'before-after.sh: --baseline DIR must be a netproto checkout with ./np\n' >&2
    exit 2
fi
baseline="$(cd -- "$baseline" && pwd -P)"
work="$(mktemp -d "${TMPDIR:-/tmp}/before-after.XXXXXX")"
# shellcheck source=benchmarks/lib.sh
. "$root/benchmarks/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT

# Builds both trees first, so that no build lands inside a measurement.
"$baseline/np" help >/dev/null
"$root/np" help >/dev/null

declare -A results
for point in $points; do
    IFS=, read -r c d s <<<"$point"
    for ((run = 1; run <= runs; run++)); do
        for side in baseline change; do
            tree="$root"
            [[ "$side" == baseline ]] && tree="$baseline"
            port=$((port + 1))
            start_server "$tree/np" serve --listen "tcp://127.0.0.1:$port"
            line="$("$tree/np" bench --target "tcp://127.0.0.1:$port" --connections "$c" --depth "$d" --size "$s" \
                --seconds "$seconds" --warmup "$warmup" | tail -1)"
            stop_server
            printf '%s C=%s D=%s S=%s run %d: %s\n' "$side" "$c" "$d" "$s" "$run" "$line"
            results["$side,$point,msgs"]+="$(field msgs_per_sec "$line") "
            results["$side,$point,p50"]+="$(field p50_us "$line") "
        done
    done
done

printf '\n%-12s %-26s %-26s %-8s %-20s %-20s %s\n' "C,D,S" "baseline msgs/s" "change msgs/s" "ratio" \
    "baseline p50 us" "change p50 us" "ratio"
for point in $points; do
    # Word splitting wanted: each result list is "n1 n2 n3 ".
    # shellcheck disable=SC2086
    {
        bm="$(median ${results[baseline,$point,msgs]})"
        cm="$(median ${results[change,$point,msgs]})"
        bp="$(median ${results[baseline,$point,p50]})"
        cp="$(median ${results[change,$point,p50]})"
        printf '%-12s %-26s %-26s %-8s %-20s %-20s %s\n' "$point" "$(stats ${results[baseline,$point,msgs]})" \
            "$(stats ${results[change,$point,msgs]})" "$(ratio "$cm" "$bm")" \
            "$(stats ${results[baseline,$point,p50]})" \
            "$(stats ${results[change,$point,p50]})" "$(ratio "$cp" "$bp")"
    }
done
