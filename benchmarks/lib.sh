# Shared by the benchmark scripts (compare.sh, security.sh): starting and stopping a server process, and the
# statistics printed. Expects $work (a scratch directory) and uses $server_pid.
server_pid=""

# Flags every Netty baseline JVM gets, before NETTY_JAVA_OPTS. Netty 4.2 on JDK 25 without native access enabled
# for the class path ran ~7x slower at 16 KiB messages (a client at C=64 D=8 S=16384: 16 k/s against 113 k/s),
# which would make any comparison with it meaningless.
netty_jvm_flags=(--enable-native-access=ALL-UNNAMED)

stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

# Starts a server (the rest of the arguments) with its output in $work/server.out, waits up to 120 s for its
# "listening on" line.
start_server() {
    : >"$work/server.out"
    "$@" >"$work/server.out" 2>&1 &
    server_pid=$!
    local i
    for ((i = 0; i < 1200; i++)); do
        if grep -q 'listening on' "$work/server.out"; then
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    cat "$work/server.out" >&2
    printf '%s: server did not start: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

# Prints the value of key $1 in result line $2.
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# Prints "median (min-max)" of the numbers given, one per argument.
stats() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%d (%d-%d)", m, v[1], v[NR] }'
}

median() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m }'
}

ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

