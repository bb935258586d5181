# Shared harness for the kernel-peer integration tests (source it; do not run it).
#
# Each test gets a private network namespace "mnt-<test>-<pid>", starts a program inside it
# (normally `multios-net ... serve`, which creates a TAP interface there), gives the kernel side
# of the TAP its addresses and talks to the stack with the kernel's own tools. Traffic never
# leaves that namespace. A trap always stops what was started and deletes the namespace.
#
# Usage in a test script:
#   source "$(dirname "$0")/lib.sh"
#   mnt_init kping4 "$@"          # $1 (or $MULTIOS_NET) is the multios-net binary
#   mnt_start_stack serve         # port options come from mnt_port_args
#   mnt_wait_iface && mnt_config_kernel && mnt_wait_answers v4 v6
#   ...checks; mnt_fail "why" on failure...
#   mnt_stop_stack                # SIGINT, waits, checks exit code 0
#   mnt_pass
#
# Debugging: MNT_KEEP=1 keeps the work directory (logs, captures); MNT_STACK_EXTRA="--eal ..."
# adds options to every stack command line; MNT_VERBOSE=0 hides the commands being run.
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip.

set -euo pipefail

# ---- Addresses of the private test network (inside the namespace only) ----------------------
MNT_IFACE=${MNT_IFACE:-mnet0}
MNT_KERNEL_MAC=02:00:00:00:00:01
MNT_STACK_MAC=02:00:00:00:00:02
MNT_V4_KERNEL=10.99.0.1
MNT_V4_STACK=10.99.0.2
MNT_V4_UNUSED=10.99.0.99
MNT_V4_PREFIX=24
MNT_V6_KERNEL=fd99::1
MNT_V6_STACK=fd99::2
MNT_V6_UNUSED=fd99::99
MNT_V6_PREFIX=64
# The stack's link-local address: modified EUI-64 of MNT_STACK_MAC (RFC 4291 appendix A).
MNT_V6_LL_STACK=${MNT_V6_LL_STACK:-fe80::ff:fe00:2}

MNT_SKIP=77
MNT_VERBOSE=${MNT_VERBOSE:-1}
MNT_STACK_EXTRA=${MNT_STACK_EXTRA:-}

MNT_NAME=""
MNT_NS=""
MNT_EXE=""
MNT_WORKDIR=""
MNT_STACK_PID=""
MNT_STACK_RC=""
MNT_STACK_OUT=""
MNT_STACK_ERR=""
MNT_BG_PIDS=()
MNT_STARTED=$SECONDS

mnt_log() { echo "[$MNT_NAME +$((SECONDS - MNT_STARTED))s] $*"; }

mnt_fail() {
    mnt_log "FAIL: $*"
    exit 1
}

mnt_skip() {
    mnt_log "SKIP: $*"
    exit "$MNT_SKIP"
}

mnt_pass() {
    mnt_log "PASS"
    exit 0
}

# Prints a command, then runs it.
mnt_run() {
    if [[ $MNT_VERBOSE == 1 ]]; then
        echo "+ $*" >&2
    fi
    "$@"
}

# Runs a command inside the test namespace.
mnt_ns() { mnt_run ip netns exec "$MNT_NS" "$@"; }

mnt_require_tool() {
    local t
    for t in "$@"; do
        command -v "$t" > /dev/null 2>&1 || mnt_fail "needs '$t' (install it: see README.md)"
    done
}

# Finds the multios-net binary: argument, then $MULTIOS_NET, then common build directories.
mnt_find_exe() {
    local candidate
    for candidate in "${1:-}" "${MULTIOS_NET:-}" build/apps/multios-net/multios-net \
        build-release/apps/multios-net/multios-net; do
        if [[ -n $candidate && -x $candidate ]]; then
            realpath "$candidate"
            return 0
        fi
    done
    return 1
}

# mnt_init NAME [EXE]: namespace, work directory and the cleanup trap.
mnt_init() {
    MNT_NAME=$1
    shift
    MNT_EXE=$(mnt_find_exe "${1:-}") || mnt_fail "multios-net binary not found (pass it as \$1 or set MULTIOS_NET)"
    [[ $(id -u) == 0 ]] || mnt_skip "needs root (network namespaces, TAP)"
    mnt_require_tool ip ping timeout
    MNT_NS="mnt-${MNT_NAME}-$$"
    MNT_WORKDIR=$(mktemp -d "/tmp/mnt-${MNT_NAME}.XXXXXX")
    trap mnt_cleanup EXIT
    trap 'mnt_log "interrupted"; exit 1' INT TERM
    mnt_run ip netns add "$MNT_NS"
    mnt_run ip -n "$MNT_NS" link set lo up
    # New interfaces in this namespace skip DAD, so IPv6 is usable at once (the kernel's
    # link-local address would otherwise stay tentative for a second or two), and keep their
    # IPv6 addresses while the link is down (between two stack processes on one TAP).
    mnt_ns sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
        net.ipv6.conf.default.keep_addr_on_down=1 net.ipv6.conf.all.keep_addr_on_down=1
    mnt_log "namespace $MNT_NS, work dir $MNT_WORKDIR, binary $MNT_EXE"
}

# Options that give the stack its port on the TAP with the test addresses.
mnt_port_args() {
    echo "--vdev net_tap0,iface=$MNT_IFACE --mac $MNT_STACK_MAC" \
        "--ip $MNT_V4_STACK/$MNT_V4_PREFIX --ip $MNT_V6_STACK/$MNT_V6_PREFIX"
}

# mnt_start_bg LABEL CMD...: runs CMD inside the namespace in the background; output goes to
# $MNT_WORKDIR/LABEL.out and .err. Sets MNT_BG_PID. The process is killed by the trap.
mnt_start_bg() {
    local label=$1
    shift
    if [[ $MNT_VERBOSE == 1 ]]; then
        echo "+ ip netns exec $MNT_NS $* > $MNT_WORKDIR/$label.out 2> $MNT_WORKDIR/$label.err &" >&2
    fi
    # `ip netns exec` execs the command, so the PID is the command's own.
    ip netns exec "$MNT_NS" "$@" < /dev/null > "$MNT_WORKDIR/$label.out" 2> "$MNT_WORKDIR/$label.err" &
    MNT_BG_PID=$!
    MNT_BG_PIDS+=("$MNT_BG_PID")
}

# mnt_start_stack ARGS...: multios-net with the test port (mnt_port_args) and ARGS.
mnt_start_stack() {
    # shellcheck disable=SC2046 # word splitting of the option list is intended
    mnt_start_program stack "$MNT_EXE" $(mnt_port_args) $MNT_STACK_EXTRA "$@"
}

# mnt_start_program LABEL CMD...: like mnt_start_stack for any program (testpmd in the harness
# self-check); it becomes "the stack" for mnt_wait_iface/mnt_stop_stack.
mnt_start_program() {
    local label=$1
    shift
    mnt_start_bg "$label" "$@"
    MNT_STACK_PID=$MNT_BG_PID
    MNT_STACK_OUT=$MNT_WORKDIR/$label.out
    MNT_STACK_ERR=$MNT_WORKDIR/$label.err
}

mnt_stack_alive() { [[ -n $MNT_STACK_PID ]] && kill -0 "$MNT_STACK_PID" 2> /dev/null; }

mnt_show_stack_logs() {
    [[ -n $MNT_STACK_OUT ]] || return 0
    echo "----- stack stdout ($MNT_STACK_OUT) -----"
    tail -n 200 "$MNT_STACK_OUT" 2> /dev/null || true
    echo "----- stack stderr ($MNT_STACK_ERR) -----"
    tail -n 200 "$MNT_STACK_ERR" 2> /dev/null || true
    echo "-----------------------------------------"
}

mnt_fail_if_stack_died() {
    if ! mnt_stack_alive; then
        local rc=0
        wait "$MNT_STACK_PID" 2> /dev/null || rc=$?
        MNT_STACK_PID=""
        mnt_fail "the stack exited early (exit code $rc)"
    fi
}

# mnt_wait_iface [SECONDS]: the TAP appears once EAL has started (TESTING.md); then wait a
# little for the port to be started (the PMD sets the interface UP).
mnt_wait_iface() {
    local limit=${1:-20} deadline
    deadline=$((SECONDS + limit))
    mnt_log "waiting up to ${limit}s for $MNT_IFACE in $MNT_NS"
    until ip -n "$MNT_NS" link show "$MNT_IFACE" > /dev/null 2>&1; do
        mnt_fail_if_stack_died
        ((SECONDS < deadline)) || mnt_fail "$MNT_IFACE did not appear within ${limit}s"
        sleep 0.2
    done
    deadline=$((SECONDS + 5))
    until ip -n "$MNT_NS" link show "$MNT_IFACE" | grep -q '[<,]UP[,>]'; do
        mnt_fail_if_stack_died
        ((SECONDS < deadline)) || break
        sleep 0.2
    done
    mnt_log "$MNT_IFACE is there"
}

# Gives the kernel side of the TAP its own MAC and the .1 / ::1 addresses.
mnt_config_kernel() {
    # net_tap gives the kernel interface the port's MAC; a different one makes `ip neigh`
    # checks meaningful.
    mnt_run ip -n "$MNT_NS" link set "$MNT_IFACE" address "$MNT_KERNEL_MAC"
    mnt_run ip -n "$MNT_NS" addr add "$MNT_V4_KERNEL/$MNT_V4_PREFIX" dev "$MNT_IFACE"
    mnt_run ip -n "$MNT_NS" -6 addr add "$MNT_V6_KERNEL/$MNT_V6_PREFIX" dev "$MNT_IFACE" nodad
    mnt_run ip -n "$MNT_NS" link set "$MNT_IFACE" up
}

# Creates the TAP from the kernel side before the stack starts (persistent, multi-queue like
# net_tap's), so that a short-lived stack process (`multios-net ping`) finds its peer ready.
mnt_precreate_tap() {
    mnt_run ip -n "$MNT_NS" tuntap add mode tap name "$MNT_IFACE" multi_queue
    mnt_config_kernel
}

# mnt_wait_answers [v4] [v6] [SECONDS]: bounded retry until the stack answers a kernel ping.
mnt_wait_answers() {
    local fam limit=20 deadline addr flag
    for fam in "$@"; do
        [[ $fam =~ ^[0-9]+$ ]] && limit=$fam
    done
    for fam in "$@"; do
        case $fam in
        v4) addr=$MNT_V4_STACK flag=-4 ;;
        v6) addr=$MNT_V6_STACK flag=-6 ;;
        *) continue ;;
        esac
        deadline=$((SECONDS + limit))
        mnt_log "waiting up to ${limit}s for the stack to answer ping $flag $addr"
        until ip netns exec "$MNT_NS" ping "$flag" -c 1 -W 1 "$addr" > /dev/null 2>&1; do
            mnt_fail_if_stack_died
            ((SECONDS < deadline)) || mnt_fail "no answer from $addr within ${limit}s"
            sleep 0.2
        done
        mnt_log "$addr answers"
    done
}

# mnt_report_value KEY LINE_PREFIX: KEY=value from the last line of the stack's output that
# starts with LINE_PREFIX (a regex), e.g. `mnt_report_value resets_sent 'tcp: '`.
mnt_report_value() {
    grep -E "^$2" "$MNT_STACK_OUT" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# mnt_dump_report: asks `serve` for its report (SIGUSR1) and waits (10 s at most) until a new
# one is complete: its `tcp:` line comes after the lcore lines, the per-connection lines follow.
mnt_dump_report() {
    local before deadline
    before=$(grep -c '^tcp: ' "$MNT_STACK_OUT" || true)
    kill -USR1 "$MNT_STACK_PID"
    deadline=$((SECONDS + 10))
    until (($(grep -c '^tcp: ' "$MNT_STACK_OUT" || true) > before)); do
        mnt_fail_if_stack_died
        ((SECONDS < deadline)) || mnt_fail "no report within 10s of SIGUSR1"
        sleep 0.1
    done
    sleep 0.2
}

# mnt_stop_stack [SECONDS]: SIGINT, wait; TERM then KILL if it hangs. Sets MNT_STACK_RC and
# fails the test unless the stack exited 0 by itself.
mnt_stop_stack() {
    local limit=${1:-15} deadline pid=$MNT_STACK_PID
    [[ -n $pid ]] || mnt_fail "no stack to stop"
    mnt_fail_if_stack_died
    mnt_log "stopping the stack (pid $pid) with SIGINT"
    kill -INT "$pid"
    deadline=$((SECONDS + limit))
    while kill -0 "$pid" 2> /dev/null && ((SECONDS < deadline)); do
        sleep 0.1
    done
    if kill -0 "$pid" 2> /dev/null; then
        mnt_log "the stack ignored SIGINT for ${limit}s; killing it"
        kill -KILL "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        MNT_STACK_PID=""
        mnt_fail "the stack did not exit on SIGINT"
    fi
    MNT_STACK_RC=0
    wait "$pid" || MNT_STACK_RC=$?
    MNT_STACK_PID=""
    mnt_log "the stack exited with code $MNT_STACK_RC"
    [[ $MNT_STACK_RC == 0 ]] || mnt_fail "the stack exited with code $MNT_STACK_RC after SIGINT"
}

# mnt_expect FILE REGEX [WHAT]: the file has a line matching the extended regex.
mnt_expect() {
    grep -Eq -- "$2" "$1" || {
        echo "----- $1 -----"
        cat "$1"
        mnt_fail "${3:-expected a line matching /$2/ in $1}"
    }
}

# mnt_kernel_ping FLAG ADDR SIZE [COUNT]: the kernel pings the stack; every reply must arrive.
mnt_kernel_ping() {
    local flag=$1 addr=$2 size=$3 count=${4:-3} out
    out=$MNT_WORKDIR/ping$flag-$size-${addr//[:%]/_}.txt
    mnt_log "kernel ping $flag -s $size $addr"
    mnt_ns ping "$flag" -c "$count" -i 0.2 -W 5 -s "$size" "$addr" > "$out" 2>&1 || true
    cat "$out"
    mnt_expect "$out" "^$count packets transmitted, $count received" \
        "ping $flag -s $size $addr: not every request got a reply"
    mnt_expect "$out" "^$((size + 8)) bytes from " "ping $flag -s $size $addr: no full-size reply"
    if grep -q 'DUP!' "$out"; then
        mnt_fail "ping $flag -s $size $addr: duplicate replies"
    fi
}

# mnt_check_neigh FLAG ADDR: the kernel's neighbour entry for ADDR has the stack's MAC.
mnt_check_neigh() {
    local flag=$1 addr=$2 line
    line=$(ip -n "$MNT_NS" "$flag" neigh show "$addr" dev "$MNT_IFACE")
    mnt_log "kernel neighbour entry: ${line:-<none>}"
    [[ $line == *"lladdr $MNT_STACK_MAC"* ]] || mnt_fail "neighbour $addr does not have MAC $MNT_STACK_MAC"
    [[ $line =~ (REACHABLE|STALE|DELAY|PROBE) ]] || mnt_fail "neighbour $addr is not reachable"
}

# Kills whatever is still running in our namespace, by PID.
mnt_kill_leftovers() {
    local pid pids
    for pid in "${MNT_BG_PIDS[@]}"; do
        kill -INT "$pid" 2> /dev/null || true
    done
    pids=$(ip netns pids "$MNT_NS" 2> /dev/null || true)
    for pid in $pids; do
        kill -INT "$pid" 2> /dev/null || true
    done
    local deadline=$((SECONDS + 5))
    while ((SECONDS < deadline)); do
        pids=$(ip netns pids "$MNT_NS" 2> /dev/null || true)
        [[ -z $pids ]] && break
        sleep 0.1
    done
    for pid in $(ip netns pids "$MNT_NS" 2> /dev/null || true) "${MNT_BG_PIDS[@]}"; do
        kill -KILL "$pid" 2> /dev/null || true
    done
    wait 2> /dev/null || true
}

mnt_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [[ -n $MNT_NS ]]; then
        mnt_kill_leftovers
        if [[ $rc != 0 && $rc != "$MNT_SKIP" ]]; then
            mnt_show_stack_logs
        fi
        ip netns del "$MNT_NS" 2> /dev/null
        if ip netns list | grep -q "^$MNT_NS\b"; then
            mnt_log "FAIL: namespace $MNT_NS was left behind"
            rc=1
        fi
    fi
    if [[ -n $MNT_WORKDIR ]]; then
        if [[ ${MNT_KEEP:-0} == 1 || ($rc != 0 && $rc != "$MNT_SKIP") ]]; then
            mnt_log "work dir kept: $MNT_WORKDIR"
        else
            rm -rf "$MNT_WORKDIR"
        fi
    fi
    exit "$rc"
}
