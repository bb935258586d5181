# Helpers the bench scripts share. Source it after setting BENCH_NAME (the log prefix).
# shellcheck shell=bash

log() { echo "[${BENCH_NAME:-bench} +${SECONDS}s] $*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}
# Exit code 77 is meson's "skipped".
skip() {
    log "SKIP: $*"
    exit 77
}

# tap_namespace NS: namespace NS with the TAP mnet0 created from the kernel side (so its
# addresses stay while stack processes come and go on it): kernel 10.99.0.1/24 and fd99::1/64,
# the stack's config is config/test-net.toml.
tap_namespace() {
    local ns=$1
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add mode tap name mnet0 multi_queue
    ip -n "$ns" link set mnet0 address 02:00:00:00:00:01
    ip -n "$ns" addr add 10.99.0.1/24 dev mnet0
    ip -n "$ns" -6 addr add fd99::1/64 dev mnet0 nodad
    ip -n "$ns" link set mnet0 up
}

# veth_namespaces NS_A NS_B: the kernel baseline, 10.98.0.1 (veth-a in NS_A) <-> 10.98.0.2
# (veth-b in NS_B).
veth_namespaces() {
    local a=$1 b=$2
    ip netns add "$a"
    ip netns add "$b"
    ip -n "$a" link set lo up
    ip -n "$b" link set lo up
    ip -n "$a" link add veth-a type veth peer name veth-b netns "$b"
    ip -n "$a" addr add 10.98.0.1/24 dev veth-a
    ip -n "$b" addr add 10.98.0.2/24 dev veth-b
    ip -n "$a" link set veth-a up
    ip -n "$b" link set veth-b up
}

# result SECTION FIGURE OURS BASELINE UNIT BETTER BASELINE_NAME TARGET NOTE
# Records one figure for bench/run's report: appends a tab-separated line to $BENCH_RESULTS
# (nothing when it is unset, so every script also runs alone). OURS and BASELINE are plain
# numbers measured in this run ("-" when a figure has no baseline, e.g. ns per packet);
# BETTER is "higher" or "lower"; TARGET is the issue's aim as a ratio ours/baseline
# (e.g. "1.5", "0.5") or "-"; NOTE is free text (what was run, runs and spread).
result() {
    (($# == 9)) || fail "result: 9 fields expected, got $#: $*"
    [[ -n ${BENCH_RESULTS:-} ]] || return 0
    local IFS=$'\t'
    printf '%s\n' "$*" >> "$BENCH_RESULTS"
}

# bench_binary RELPATH [CANDIDATE...]: prints the absolute path of the first executable file
# among CANDIDATE... (e.g. a path given on the command line), $BENCH_BUILD_DIR/RELPATH (set
# by bench/run), build-release/RELPATH and build/RELPATH; returns 1 when there is none.
# RELPATH is relative to a build directory, e.g. apps/multios-net/multios-net.
bench_binary() {
    local rel=$1 c
    shift
    for c in "$@" "${BENCH_BUILD_DIR:+$BENCH_BUILD_DIR/$rel}" "build-release/$rel" "build/$rel"; do
        [[ -n $c && -f $c && -x $c ]] && realpath "$c" && return 0
    done
    return 1
}

# pin_tree PID CPU: moves every thread of process PID and of its children (`timeout` and
# `ip netns exec` fork) to CPU. multios-net pins its lcore to CPU 0 through EAL (-l 0), and EAL
# refuses an lcore outside the process's affinity, so a second busy-polling process is started
# normally and moved once it is up.
pin_tree() {
    local p
    for p in "$1" $(pgrep -P "$1" || true); do
        taskset -a -p -c "$2" "$p" > /dev/null 2>&1 || true
        [[ $p == "$1" ]] || pin_tree "$p" "$2"
    done
}

# ratio A B [DECIMALS]: A / B with DECIMALS (default three) decimals, "n/a" when B is not
# positive.
ratio() {
    awk -v a="$1" -v b="$2" -v d="${3:-3}" \
        'BEGIN { if (b + 0 <= 0) print "n/a"; else printf "%." d "f", a / b }'
}

# wait_for_line FILE REGEX PID SECONDS: waits until FILE has a line matching REGEX; fails when
# process PID exits first or SECONDS pass (FILE is shown either way).
wait_for_line() {
    local deadline=$((SECONDS + $4))
    until grep -qE "$2" "$1" 2> /dev/null; do
        kill -0 "$3" 2> /dev/null || { cat "$1" >&2; fail "process $3 exited before '$2'"; }
        ((SECONDS < deadline)) || { cat "$1" >&2; fail "no '$2' after $4 s"; }
        sleep 0.1
    done
}

# stop_pid PID SIGNAL: sends SIGNAL, waits up to 10 s for PID to exit, then SIGKILLs it.
stop_pid() {
    local pid=$1 i
    kill "-$2" "$pid" 2> /dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}

# bench_setup NAME NS...: WORK, a fresh directory /tmp/NAME.XXXXXX that nginx's worker (it runs
# as nobody) can enter, and the trap that cleans up on exit (bench_cleanup) for namespaces NS...
bench_setup() {
    WORK=$(mktemp -d "/tmp/$1.XXXXXX")
    chmod 755 "$WORK"
    shift
    BENCH_NAMESPACES=("$@")
    trap bench_cleanup EXIT
    trap 'exit 1' INT TERM
}

# bench_cleanup: the EXIT trap of bench_setup. Stops $SERVER_PID (TERM) when set and calls the
# script's bench_stop when it defines one; after a failure shows the last lines of the logs in
# $WORK; deletes the namespaces and $WORK; exits with the script's status.
bench_cleanup() {
    local rc=$? f ns
    trap - EXIT INT TERM
    set +e
    [[ -n ${SERVER_PID:-} ]] && stop_pid "$SERVER_PID" TERM
    declare -F bench_stop > /dev/null && bench_stop
    if [[ $rc != 0 && $rc != 77 ]]; then
        for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/*/*.out "$WORK"/*/error.log "$WORK"/*.wrk; do
            [[ -s $f ]] || continue
            echo "----- $f (last lines) -----" >&2
            tail -n 20 "$f" >&2
        done
    fi
    for ns in "${BENCH_NAMESPACES[@]}"; do
        ip netns del "$ns" 2> /dev/null
    done
    rm -rf "$WORK"
    exit "$rc"
}

# wait_serving LABEL NS URL PID: until curl in namespace NS gets the 600-byte file at URL;
# fails when process PID exits first or after 30 s.
wait_serving() {
    local deadline=$((SECONDS + 30))
    until [[ $(ip netns exec "$2" curl -s -o /dev/null -w '%{http_code}:%{size_download}' \
        --max-time 2 "$3" 2> /dev/null) == 200:600 ]]; do
        kill -0 "$4" 2> /dev/null || fail "$1: the server exited"
        ((SECONDS < deadline)) || fail "$1: $3 not served within 30 s"
        sleep 0.3
    done
}

# run_wrk LABEL NS URL CONNECTIONS [CPU]: `wrk -t1 -cCONNECTIONS -d${DURATION}s --latency URL`
# in namespace NS, pinned to CPU when given; its output in $WORK/LABEL.wrk. Fails when wrk
# gives no result; logs the socket errors and non-2xx answers it reports.
run_wrk() {
    local pin=()
    [[ -n ${5:-} ]] && pin=(taskset -c "$5")
    log "$1: wrk -t1 -c$4 -d${DURATION}s --latency $3"
    timeout -k 5 $((DURATION + 30)) ip netns exec "$2" "${pin[@]}" wrk -t1 "-c$4" \
        "-d${DURATION}s" --latency "$3" > "$WORK/$1.wrk" 2>&1 || fail "$1: wrk failed"
    grep -q '^Requests/sec:' "$WORK/$1.wrk" || fail "$1: no result from wrk"
    [[ $(wrk_value "$WORK/$1.wrk" errors) == no ]] ||
        log "$1: wrk reported errors: $(grep -E 'Socket errors|Non-2xx' "$WORK/$1.wrk")"
}

# loadavg: the 1, 5 and 15-minute load averages, for the log and the notes.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# nginx_config DIR ADDRESS PORT: a one-worker nginx (Debian's nginx-light) for the HTTP
# baselines, everything under DIR: DIR/nginx.conf and the 600-byte file DIR/www/f600. epoll,
# sendfile on, keep-alive, access_log off; the worker runs as nobody, so DIR is made readable.
# Start it with: nginx -p DIR -e DIR/error.log -c DIR/nginx.conf
nginx_config() {
    local dir=$1 addr=$2 port=$3
    mkdir -p "$dir/www" "$dir/temp"
    head -c 600 /dev/zero | tr '\0' 'x' > "$dir/www/f600"
    chmod -R a+rX "$dir"
    cat > "$dir/nginx.conf" << CONF
user nobody nogroup;
worker_processes 1;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    use epoll;
    worker_connections 1024;
}
http {
    access_log off;
    client_body_temp_path $dir/temp/client_body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    default_type application/octet-stream;
    sendfile on;
    keepalive_timeout 60s;
    keepalive_requests 100000000;
    server {
        listen $addr:$port;
        root $dir/www;
    }
}
CONF
}

# wrk_value FILE rps|avg|p50|p99|errors: from `wrk --latency` output; latencies in
# microseconds, errors "yes" when wrk reported socket errors or non-2xx answers.
wrk_value() {
    local f=$1
    wrk_us() { awk '{ v = $1 + 0; if ($1 ~ /ms$/) v *= 1e3; else if ($1 ~ /[0-9]s$/ && $1 !~ /us$/) v *= 1e6; printf "%.0f", v }' <<< "$1"; }
    case $2 in
    rps) awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f" ;;
    avg) wrk_us "$(awk '$1 == "Latency" { print $2; exit }' "$f")" ;;
    p50) wrk_us "$(awk '$1 == "50%" { print $2 }' "$f")" ;;
    p99) wrk_us "$(awk '$1 == "99%" { print $2 }' "$f")" ;;
    errors) awk '/Socket errors|Non-2xx/ { n = 1 } END { print n ? "yes" : "no" }' "$f" ;;
    esac
}

# median V...: the median of numbers (the lower middle one for an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
