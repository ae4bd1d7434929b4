#!/usr/bin/env bash
# pinned-c1.sh: one connection, one request in flight, 64-byte bodies (C=1,D=1,S=64), ours and Netty in turn, with
# server and client JVMs pinned by taskset: both on one CPU ("same"), then on two ("split"). Unpinned, the
# scheduler's placement of the two loop threads decides this point (docs/PERFORMANCE.md); pinned, it is fixed.
#
# Usage: benchmarks/pinned-c1.sh [--seconds T] [--warmup W] [--runs N] [--port-base P]
#   Defaults: 4 s measured, 2 s warm-up, 3 runs, ports from 17850. Needs two CPUs (0 and 1) and taskset.
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

seconds=4
warmup=2
runs=3
port_base=17850
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || { printf 'pinned-c1.sh: %s needs a value\n' "$1" >&2; exit 2; }
    case "$1" in
        --seconds) seconds="$2" ;;
        --warmup) warmup="$2" ;;
        --runs) runs="$2" ;;
        --port-base) port_base="$2" ;;
        *) printf 'pinned-c1.sh: unknown argument %s\n' "$1" >&2; exit 2 ;;
    esac
    shift 2
done

# shellcheck source=scripts/java-home.sh
. "$root/scripts/java-home.sh"
JAVA_HOME="$(netproto_java_home)" || exit 1
export JAVA_HOME
java="$JAVA_HOME/bin/java"
jar="$root/benchmarks/target/benchmarks.jar"
work="$(mktemp -d "${TMPDIR:-/tmp}/np-pinned.XXXXXX")"
# shellcheck source=benchmarks/lib.sh
. "$root/benchmarks/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
[[ -f "$jar" ]] || { printf 'pinned-c1.sh: build first: ./mvnw -q -pl benchmarks -am package -DskipTests\n' >&2; exit 1; }
./np help >/dev/null 2>&1 || ./np help >/dev/null

printf '# %s; %s; %s cores; java: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -sr)" "$(nproc)" \
    "$("$java" -version 2>&1 | head -n 1)"
summary=()
for placement in "same 0 0" "split 0 1"; do
    read -r name server_cpu client_cpu <<<"$placement"
    ours_rate=(); ours_p50=(); netty_rate=(); netty_p50=()
    for ((run = 1; run <= runs; run++)); do
        port=$((port_base + 2 * run))
        start_server taskset -c "$server_cpu" ./np serve --listen "tcp://127.0.0.1:$port"
        line="$(taskset -c "$client_cpu" ./np bench --target "tcp://127.0.0.1:$port" --connections 1 --depth 1 \
            --size 64 --seconds "$seconds" --warmup "$warmup" | grep 'msgs_per_sec=' | tail -n 1)"
        stop_server
        printf 'ours  %-5s run %d: %s\n' "$name" "$run" "$line"
        ours_rate+=("$(field msgs_per_sec "$line")"); ours_p50+=("$(field p50_us "$line")")
        start_server taskset -c "$server_cpu" "$java" "${netty_jvm_flags[@]}" -cp "$jar" \
            dev.netproto.benchmarks.netty.NettyEchoServer --listen "127.0.0.1:$((port + 1))"
        line="$(taskset -c "$client_cpu" "$java" "${netty_jvm_flags[@]}" -cp "$jar" \
            dev.netproto.benchmarks.netty.NettyLoad --target "127.0.0.1:$((port + 1))" --connections 1 --depth 1 \
            --size 64 --seconds "$seconds" --warmup "$warmup" | grep 'msgs_per_sec=' | tail -n 1)"
        stop_server
        printf 'netty %-5s run %d: %s\n' "$name" "$run" "$line"
        netty_rate+=("$(field msgs_per_sec "$line")"); netty_p50+=("$(field p50_us "$line")")
    done
    summary+=("| $name (server CPU $server_cpu, client CPU $client_cpu) | $(stats "${ours_rate[@]}") | $(stats "${ours_p50[@]}") | $(stats "${netty_rate[@]}") | $(stats "${netty_p50[@]}") | $(ratio "$(median "${ours_p50[@]}")" "$(median "${netty_p50[@]}")") |")
done
printf '\n| placement | ours msgs/s | ours p50 µs | netty msgs/s | netty p50 µs | p50 ours/netty |\n'
printf '|---|---|---|---|---|---|\n'
printf '%s\n' "${summary[@]}"
