#!/usr/bin/env bash
# compare.sh: netproto (np serve / np bench) against a Netty NIO baseline (NettyEchoServer / NettyLoad), in turn, on
# loopback, servers and clients as separate JVMs. Prints every result line and, per matrix point, the medians
# (min-max) and the ratios ours/netty of msgs_per_sec and p50. See docs/PERFORMANCE.md.
#
# Usage: benchmarks/compare.sh [--seconds T] [--warmup W] [--runs N] [--port-base P] [--only C,D,S] [--idle N]
#   Defaults: 5 s measured, 2 s warm-up, 1 run, ports from 17700.
#   --only C,D,S runs one point over both transports where both exist; tcp,C,D,S or unix,C,D,S picks one.
#   --idle N skips the matrix and instead measures the server heap (after a full GC) and RSS growth per idle
#   connection, holding N connections to each server.
#   Extra JVM options: NP_JAVA_OPTS (our server and client, read by ./np), NETTY_JAVA_OPTS (both Netty JVMs, after
#   the flags every Netty JVM gets: netty_jvm_flags in lib.sh).
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

seconds=5
warmup=2
runs=1
port_base=17700
only=""
idle=0
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || { printf 'compare.sh: %s needs a value\n' "$1" >&2; exit 2; }
    case "$1" in
        --seconds) seconds="$2" ;;
        --warmup) warmup="$2" ;;
        --runs) runs="$2" ;;
        --port-base) port_base="$2" ;;
        --only) only="$2" ;;
        --idle) idle="$2" ;;
        *) printf 'compare.sh: unknown argument %s\n' "$1" >&2; exit 2 ;;
    esac
    shift 2
done
if ! [[ "$runs" =~ ^[1-9][0-9]*$ && "$port_base" =~ ^[0-9]+$ && "$idle" =~ ^[0-9]+$ ]]; then
    printf 'compare.sh: --runs must be positive, --port-base and --idle not negative integers\n' >&2
    exit 2
fi

# shellcheck source=scripts/java-home.sh
. "$root/scripts/java-home.sh"
JAVA_HOME="$(netproto_java_home)" || exit 1
export JAVA_HOME
java="$JAVA_HOME/bin/java"
jar="$root/benchmarks/target/benchmarks.jar"
netty_pkg=dev.netproto.benchmarks.netty

work="$(mktemp -d "${TMPDIR:-/tmp}/np-compare.XXXXXX")"
# shellcheck source=benchmarks/lib.sh
. "$root/benchmarks/lib.sh"

cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Builds the shaded benchmarks jar when it is missing or older than a source or POM (offline first).
build_benchmarks() {
    if [[ -f "$jar" ]] && [[ -z "$(find "$root" \( -name target -o -name .git -o -name .mvn \) -prune -o \
        \( -path '*/src/main/*' -o -name pom.xml \) -type f -newer "$jar" -print -quit)" ]]; then
        return
    fi
    printf 'compare.sh: building benchmarks.jar...\n' >&2
    if ! ./mvnw -q -B -o -pl benchmarks -am package -DskipTests >"$work/build.log" 2>&1; then
        ./mvnw -q -B -pl benchmarks -am package -DskipTests >"$work/build.log" 2>&1 \
            || { cat "$work/build.log" >&2; printf 'compare.sh: build failed\n' >&2; exit 1; }
    fi
}

# Prints "heap_used_kb rss_kb" of process $1 after a full GC (jcmd GC.run).
heap_rss() {
    "$JAVA_HOME/bin/jcmd" "$1" GC.run >/dev/null
    sleep 1
    local heap rss
    heap="$("$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | sed -n 's/.* heap .* used \([0-9]*\)K.*/\1/p' | head -n 1)"
    rss="$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status")"
    printf '%s %s\n' "$heap" "$rss"
}

# Memory per idle connection: opens $idle connections to our server (HELLO done) and to Netty's, and prints the
# growth of the server's heap (after a full GC) and RSS, per connection.
measure_idle() {
    local which address before after client_pid i heap0 rss0 heap1 rss1
    for which in ours netty; do
        address="127.0.0.1:$((port_base + 90 + ${#which}))"
        if [[ "$which" == ours ]]; then
            # Every idle connection comes from this one address, far faster than the default per-source rate.
            start_server ./np serve --listen "tcp://$address" --source-connection-rate 0
            hello=(--hello)
        else
            # shellcheck disable=SC2086
            start_server "$java" "${netty_jvm_flags[@]}" ${NETTY_JAVA_OPTS:-} -cp "$jar" "$netty_pkg.NettyEchoServer" \
                --listen "$address"
            hello=()
        fi
        sleep 2
        before="$(heap_rss "$server_pid")"
        "$java" -cp "$jar" dev.netproto.benchmarks.CompareIdleConnections --target "$address" --count "$idle" \
            "${hello[@]}" --hold-seconds 120 >"$work/idle.out" 2>&1 &
        client_pid=$!
        for ((i = 0; i < 600; i++)); do
            grep -q '^open ' "$work/idle.out" && break
            kill -0 "$client_pid" 2>/dev/null || break
            sleep 0.1
        done
        grep -q '^open ' "$work/idle.out" || { cat "$work/idle.out" >&2; kill "$client_pid" 2>/dev/null; exit 1; }
        sleep 2
        after="$(heap_rss "$server_pid")"
        kill "$client_pid" 2>/dev/null || true
        wait "$client_pid" 2>/dev/null || true
        stop_server
        read -r heap0 rss0 <<<"$before"
        read -r heap1 rss1 <<<"$after"
        awk -v w="$which" -v n="$idle" -v h0="$heap0" -v h1="$heap1" -v r0="$rss0" -v r1="$rss1" 'BEGIN {
            printf "idle %-5s connections=%d heap_kb %d -> %d (%.0f B/conn) rss_kb %d -> %d (%.0f B/conn)\n",
                w, n, h0, h1, (h1 - h0) * 1024 / n, r0, r1, (r1 - r0) * 1024 / n }'
    done
}

build_benchmarks
# ./np builds the daemon when a source changed: do that now, not inside the first measurement's startup.
./np help >/dev/null 2>&1 || ./np help >/dev/null

printf '# %s; %s; %s cores; java: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -sr)" "$(nproc)" \
    "$("$java" -version 2>&1 | head -n 1)"
printf '# --seconds %s --warmup %s --runs %s; NP_JAVA_OPTS=%s NETTY_JAVA_OPTS=%s; Netty JVMs also get: %s\n' \
    "$seconds" "$warmup" "$runs" "${NP_JAVA_OPTS:-}" "${NETTY_JAVA_OPTS:-}" "${netty_jvm_flags[*]}"

if [[ "$idle" -gt 0 ]]; then
    measure_idle
    exit 0
fi

# transport C D S
matrix=("tcp 1 1 64" "tcp 16 16 64" "tcp 16 16 1024" "tcp 64 8 16384" "unix 16 16 64" "tls 16 16 64"
    "noise 16 16 64")
# TLS: TLS 1.3 on both sides with the JDK's SSLEngine, development certificates made for this run.
./np certgen --cn localhost --out "$work/certs" >/dev/null
printf '[tls]\ncertificate_chain = "%s"\nprivate_key = "%s"\n' "$work/certs/server.pem" "$work/certs/server.key" \
    >"$work/tls.toml"
# Noise: XX with keys from np keygen; ours only (the Netty baseline has no Noise).
./np keygen --out "$work/server.key" >"$work/server.keygen"
./np keygen --out "$work/client.key" >"$work/client.keygen"
sed -n 's/^public key: *\(.*\)/\1 bench-client/p' "$work/client.keygen" >"$work/clients.keys"
printf '[server]\nsecurity = "noise"\n[noise]\nidentity = "%s"\nauthorized_keys = "%s"\n' "$work/server.key" \
    "$work/clients.keys" >"$work/noise.toml"
summary=()
point=0
for entry in "${matrix[@]}"; do
    read -r transport c d s <<<"$entry"
    point=$((point + 1))
    if [[ -n "$only" && "$only" != "$c,$d,$s" && "$only" != "$transport,$c,$d,$s" ]]; then
        continue
    fi
    ours_rate=(); ours_p50=(); ours_p99=(); netty_rate=(); netty_p50=(); netty_p99=()
    for ((run = 1; run <= runs; run++)); do
        ours_serve=(); ours_bench=(); netty_serve=(); netty_load=()
        if [[ "$transport" == unix ]]; then
            target="unix://$work/np-$point.sock"
            rm -f "$work/np-$point.sock"
        elif [[ "$transport" == tls ]]; then
            target="tls://127.0.0.1:$((port_base + 2 * point))"
            ours_serve=(--config "$work/tls.toml"); ours_bench=(--tls-ca "$work/certs/ca.pem")
            netty_serve=(--tls-cert "$work/certs/server.pem" --tls-key "$work/certs/server.key")
            netty_load=(--tls-ca "$work/certs/ca.pem")
        elif [[ "$transport" == noise ]]; then
            target="tcp://127.0.0.1:$((port_base + 2 * point))"
            ours_serve=(--config "$work/noise.toml")
            ours_bench=(--noise-server-key "$(sed -n 's/^public key: *//p' "$work/server.keygen")" \
                --noise-key "$work/client.key")
        else
            target="tcp://127.0.0.1:$((port_base + 2 * point))"
        fi
        start_server ./np serve --listen "$target" --source-connection-rate 0 "${ours_serve[@]}"
        line="$(./np bench --target "$target" --connections "$c" --depth "$d" --size "$s" \
            --seconds "$seconds" --warmup "$warmup" "${ours_bench[@]}" | grep 'msgs_per_sec=' | tail -n 1)"
        stop_server
        printf 'ours  %-4s C=%-2s D=%-2s S=%-5s run %d: %s\n' "$transport" "$c" "$d" "$s" "$run" "$line"
        ours_rate+=("$(field msgs_per_sec "$line")"); ours_p50+=("$(field p50_us "$line")")
        ours_p99+=("$(field p99_us "$line")")
        if [[ "$transport" == unix || "$transport" == noise ]]; then
            continue
        fi
        address="127.0.0.1:$((port_base + 2 * point + 1))"
        # shellcheck disable=SC2086 # NETTY_JAVA_OPTS is a list of options, split on spaces on purpose.
        start_server "$java" "${netty_jvm_flags[@]}" ${NETTY_JAVA_OPTS:-} -cp "$jar" "$netty_pkg.NettyEchoServer" \
            --listen "$address" "${netty_serve[@]}"
        # shellcheck disable=SC2086
        line="$("$java" "${netty_jvm_flags[@]}" ${NETTY_JAVA_OPTS:-} -cp "$jar" "$netty_pkg.NettyLoad" \
            --target "$address" --connections "$c" --depth "$d" --size "$s" --seconds "$seconds" \
            --warmup "$warmup" "${netty_load[@]}" | grep 'msgs_per_sec=' | tail -n 1)"
        stop_server
        printf 'netty %-4s C=%-2s D=%-2s S=%-5s run %d: %s\n' "$transport" "$c" "$d" "$s" "$run" "$line"
        netty_rate+=("$(field msgs_per_sec "$line")"); netty_p50+=("$(field p50_us "$line")")
        netty_p99+=("$(field p99_us "$line")")
    done
    row="| $transport | $c | $d | $s | $(stats "${ours_rate[@]}") | $(stats "${ours_p50[@]}")"
    row+=" | $(stats "${ours_p99[@]}")"
    if [[ ${#netty_rate[@]} -gt 0 ]]; then
        row+=" | $(stats "${netty_rate[@]}") | $(stats "${netty_p50[@]}") | $(stats "${netty_p99[@]}")"
        row+=" | $(ratio "$(median "${ours_rate[@]}")" "$(median "${netty_rate[@]}")")"
        row+=" | $(ratio "$(median "${ours_p50[@]}")" "$(median "${netty_p50[@]}")") |"
    else
        row+=" | not run | not run | not run | n/a | n/a |"
    fi
    summary+=("$row")
    printf 'ratio ours/netty %-4s C=%s D=%s S=%s: %s\n' "$transport" "$c" "$d" "$s" "$row"
done

printf '\n| transport | C | D | S | ours msgs/s median (min-max) | ours p50 µs | ours p99 µs'
printf ' | netty msgs/s median (min-max) | netty p50 µs | netty p99 µs | msgs/s ours/netty | p50 ours/netty |\n'
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
printf '%s\n' "${summary[@]}"
