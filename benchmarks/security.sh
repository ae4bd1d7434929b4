#!/usr/bin/env bash
# security.sh: np bench against np serve over each transport and security mechanism in turn, in one invocation,
# so that their figures share the machine's state: tcp (none), unix (none), tls (TLS 1.3, certgen certificates)
# and tcp with noise (XX, AESGCM then ChaChaPoly as offered by default). Prints every result line, then per matrix
# point the median (min-max) of msgs/s, p50 and p99, and msgs/s relative to tcp from the same runs.
#
# Usage: benchmarks/security.sh [--seconds T] [--warmup W] [--runs N] [--port-base P] [--points LIST]
#   Defaults: 5 s measured, 2 s warm-up, 3 runs, ports from 17900,
#   points "1,1,64 16,16,64 16,16,16384" (C,D,S separated by spaces).
#   Extra JVM options: NP_JAVA_OPTS (server and client, read by ./np).
set -euo pipefail

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"

seconds=5
warmup=2
runs=3
port_base=17900
points="1,1,64 16,16,64 16,16,16384"
while [[ $# -gt 0 ]]; do
    [[ $# -ge 2 ]] || { printf 'security.sh: %s needs a value\n' "$1" >&2; exit 2; }
    case "$1" in
        --seconds) seconds="$2" ;;
        --warmup) warmup="$2" ;;
        --runs) runs="$2" ;;
        --port-base) port_base="$2" ;;
        --points) points="$2" ;;
        *) printf 'security.sh: unknown argument %s\n' "$1" >&2; exit 2 ;;
    esac
    shift 2
done
[[ "$runs" =~ ^[1-9][0-9]*$ && "$port_base" =~ ^[0-9]+$ ]] \
    || { printf 'security.sh: --runs must be positive, --port-base a number\n' >&2; exit 2; }

# shellcheck source=scripts/java-home.sh
. "$root/scripts/java-home.sh"
JAVA_HOME="$(netproto_java_home)" || exit 1
export JAVA_HOME
work="$(mktemp -d "${TMPDIR:-/tmp}/np-security.XXXXXX")"
# shellcheck source=benchmarks/lib.sh
. "$root/benchmarks/lib.sh"
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# ./np builds the daemon when a source changed: do that now, not inside the first measurement's startup.
./np help >/dev/null 2>&1 || ./np help >/dev/null

# Keys and certificates for this run only.
./np certgen --cn localhost --out "$work/certs" >/dev/null
./np keygen --out "$work/server.key" >"$work/server.keygen"
./np keygen --out "$work/client.key" >"$work/client.keygen"
server_public="$(sed -n 's/^public key: *//p' "$work/server.keygen")"
sed -n 's/^public key: *\(.*\)/\1 bench-client/p' "$work/client.keygen" >"$work/clients.keys"
cat >"$work/tls.toml" <<TOML
[tls]
certificate_chain = "$work/certs/server.pem"
private_key = "$work/certs/server.key"
TOML
cat >"$work/noise.toml" <<TOML
[server]
security = "noise"
[noise]
identity = "$work/server.key"
authorized_keys = "$work/clients.keys"
TOML

printf '# %s; %s; %s cores; java: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -sr)" "$(nproc)" \
    "$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)"
printf '# --seconds %s --warmup %s --runs %s; NP_JAVA_OPTS=%s\n' "$seconds" "$warmup" "$runs" "${NP_JAVA_OPTS:-}"

kinds=(tcp unix tls noise)
summary=()
for point in $points; do
    IFS=, read -r c d s <<<"$point"
    declare -A rates=() p50s=() p99s=()
    for ((run = 1; run <= runs; run++)); do
        for kind in "${kinds[@]}"; do
            port=$((port_base + run))
            serve=(./np serve)
            bench=()
            case "$kind" in
                tcp) target="tcp://127.0.0.1:$port" ;;
                unix) target="unix://$work/np.sock"; rm -f "$work/np.sock" ;;
                tls) target="tls://127.0.0.1:$port"; serve+=(--config "$work/tls.toml")
                    bench=(--tls-ca "$work/certs/ca.pem") ;;
                noise) target="tcp://127.0.0.1:$port"; serve+=(--config "$work/noise.toml")
                    bench=(--noise-server-key "$server_public" --noise-key "$work/client.key") ;;
            esac
            start_server "${serve[@]}" --listen "$target"
            line="$(./np bench --target "$target" --connections "$c" --depth "$d" --size "$s" \
                --seconds "$seconds" --warmup "$warmup" "${bench[@]}" | grep 'msgs_per_sec=' | tail -n 1)"
            stop_server
            printf '%-5s C=%-2s D=%-2s S=%-5s run %d: %s\n' "$kind" "$c" "$d" "$s" "$run" "$line"
            rates[$kind]+="$(field msgs_per_sec "$line") "
            p50s[$kind]+="$(field p50_us "$line") "
            p99s[$kind]+="$(field p99_us "$line") "
        done
    done
    # shellcheck disable=SC2086 # the lists are space-separated numbers, split on purpose.
    tcp_median="$(median ${rates[tcp]})"
    for kind in "${kinds[@]}"; do
        # shellcheck disable=SC2086
        summary+=("| $kind | $c | $d | $s | $(stats ${rates[$kind]}) | $(stats ${p50s[$kind]}) | $(stats ${p99s[$kind]}) | $(ratio "$(median ${rates[$kind]})" "$tcp_median") |")
    done
    unset rates p50s p99s
done

printf '\n| security/transport | C | D | S | msgs/s median (min-max) | p50 µs | p99 µs | msgs/s vs tcp |\n'
printf '|---|---|---|---|---|---|---|---|\n'
printf '%s\n' "${summary[@]}"
