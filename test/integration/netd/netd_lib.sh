# shellcheck shell=bash
# Shared harness for the issue-6 acceptance tests (test/integration/netd_*.sh): unmodified
# Debian programs run on the stack through the LD_PRELOAD shim, talking to the kernel in a
# private network namespace. Source it (it sources ../lib.sh); do not run it.
#
#   multios-netd runs inside the namespace "mnt-netd-<test>-<pid>" on the TAP mnet0 that
#   config/test-net.toml names (stack 10.99.0.2/24 and fd99::2/64); the kernel side of the TAP
#   has 10.99.0.1 and fd99::1. Programs under the shim run in the same namespace with
#   LD_PRELOAD=libmultios-preload.so and MULTIOS_NETD=<the daemon's socket>; kernel peers run
#   there without the shim. Nothing leaves the namespace; the trap of lib.sh stops every process
#   in it and deletes it, also on failure.
#
# Usage in a test script:
#   source "$(dirname "$0")/netd/netd_lib.sh"
#   netd_init curl "$@"        # $1: the build directory (or $MNT_BUILD_DIR, ./build, ./build-release)
#   netd_start                 # TAP + kernel addresses, daemon up, stack answers ping
#   netd_shim 60 curl ...      # a program under the shim, in the namespace, at most 60 s
#   netd_stop                  # SIGTERM; the daemon must exit 0 within 10 s
#   mnt_pass
#
# Binaries: $MULTIOS_NETD_EXE and $MULTIOS_PRELOAD override
# <build>/apps/multios-netd/multios-netd and <build>/apps/preload/libmultios-preload.so. The
# tests skip (exit 77) when either is missing, when not root, and when the shim is an ASan
# build (an ASan library preloaded into uninstrumented curl or nginx aborts: TOOLCHAIN.md).
# MNT_NETD_EXTRA adds options to the daemon's command line (e.g. "--lcores 2").

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

NETD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETD_ROOT=$(cd "$NETD_DIR/../../.." && pwd)
NETD_CONFIG=$NETD_ROOT/config/test-net.toml
NETD_PYTHON=/usr/bin/python3
NETD_EXE=""
NETD_PRELOAD=""
NETD_SOCK=""
NETD_RC=""
NETD_WATCH_PID=""
NETD_WATCH_WHAT=""
MNT_NETD_EXTRA=${MNT_NETD_EXTRA:-}
# Files shown (their last lines) when a test fails, besides the daemon's own output.
NETD_LOGS=()

# netd_find_binaries [BUILD_DIR]: sets NETD_EXE and NETD_PRELOAD; skips when one is missing.
netd_find_binaries() {
    local build=${1:-${MNT_BUILD_DIR:-}} candidate
    if [[ -z $build ]]; then
        for candidate in build build-release; do
            if [[ -d $candidate ]]; then
                build=$candidate
                break
            fi
        done
    fi
    NETD_EXE=${MULTIOS_NETD_EXE:-${build:-build}/apps/multios-netd/multios-netd}
    NETD_PRELOAD=${MULTIOS_PRELOAD:-${build:-build}/apps/preload/libmultios-preload.so}
    [[ -x $NETD_EXE ]] || mnt_skip "multios-netd is not built ($NETD_EXE)"
    [[ -r $NETD_PRELOAD ]] || mnt_skip "the LD_PRELOAD shim is not built ($NETD_PRELOAD)"
    NETD_EXE=$(realpath "$NETD_EXE")
    NETD_PRELOAD=$(realpath "$NETD_PRELOAD")
    if command -v readelf > /dev/null 2>&1 &&
        readelf -d "$NETD_PRELOAD" 2> /dev/null | grep -Eq 'NEEDED.*lib(a|ub)san'; then
        mnt_skip "the shim is a sanitizer build: not preloadable into Debian's programs (TOOLCHAIN.md)"
    fi
}

# netd_init NAME [BUILD_DIR]: binaries, root, namespace, work directory, cleanup trap.
netd_init() {
    MNT_NAME=netd-$1
    netd_find_binaries "${2:-}"
    mnt_init "netd-$1" "$NETD_EXE"
    mnt_require_tool curl sha256sum ss
    [[ -x $NETD_PYTHON ]] || mnt_fail "needs $NETD_PYTHON"
    [[ -r $NETD_CONFIG ]] || mnt_fail "no $NETD_CONFIG"
    # Programs that drop privileges (nginx workers run as nobody) reach the daemon's socket and
    # the served files through this directory.
    chmod 755 "$MNT_WORKDIR"
    NETD_SOCK=$MNT_WORKDIR/netd.sock
    trap netd_cleanup EXIT
    mnt_log "daemon $NETD_EXE, shim $NETD_PRELOAD"
}

# The EXIT trap: on failure, the programs' logs first; then lib.sh's cleanup (which stops
# every process in the namespace, shows the daemon's output and deletes the namespace).
netd_cleanup() {
    local rc=$? f
    set +e
    if [[ $rc != 0 && $rc != "$MNT_SKIP" ]]; then
        for f in "${NETD_LOGS[@]}"; do
            [[ -e $f ]] || continue
            echo "----- $f -----"
            tail -n 100 "$f"
        done
    fi
    (exit "$rc")
    mnt_cleanup
}

# netd_show_on_failure FILE...: FILEs are shown if the test fails.
netd_show_on_failure() { NETD_LOGS+=("$@"); }

# netd_start: the kernel side of the TAP (precreated, as the other tests that need their
# peers before the stack), then multios-netd; waits for its "ready" line (30 s) and for the
# stack to answer ping on both families.
netd_start() {
    local deadline
    mnt_precreate_tap
    rm -f "$NETD_SOCK"
    # shellcheck disable=SC2086 # MNT_NETD_EXTRA is a list of options
    mnt_start_program netd "$NETD_EXE" --socket "$NETD_SOCK" --config "$NETD_CONFIG" $MNT_NETD_EXTRA
    deadline=$((SECONDS + 30))
    mnt_log "waiting up to 30s for 'multios-netd: ready on $NETD_SOCK'"
    until grep -Fq "multios-netd: ready on $NETD_SOCK" "$MNT_STACK_OUT" 2> /dev/null; do
        mnt_fail_if_stack_died
        ((SECONDS < deadline)) || mnt_fail "multios-netd printed no ready line within 30s"
        sleep 0.2
    done
    [[ -S $NETD_SOCK ]] || mnt_fail "multios-netd is ready but $NETD_SOCK is not a socket"
    mnt_wait_answers v4 v6 30
    mnt_log "multios-netd ready (pid $MNT_STACK_PID)"
}

# netd_stop: SIGTERM; the daemon must exit by itself with code 0 within 10 s.
netd_stop() {
    local pid=$MNT_STACK_PID
    mnt_fail_if_stack_died
    mnt_log "stopping multios-netd (pid $pid) with SIGTERM"
    kill -TERM "$pid"
    netd_wait_pid "$pid" 10 || {
        kill -KILL "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        MNT_STACK_PID=""
        mnt_fail "multios-netd did not exit within 10s of SIGTERM"
    }
    MNT_STACK_PID=""
    [[ $NETD_RC == 0 ]] || mnt_fail "multios-netd exited with code $NETD_RC after SIGTERM"
    mnt_log "multios-netd exited with code 0"
}

# netd_wait_pid PID SECONDS: waits for a background process of ours to end; sets NETD_RC to
# its exit code. Returns 1 (process left running) when it is still alive after SECONDS.
netd_wait_pid() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2> /dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
    NETD_RC=0
    wait "$pid" 2> /dev/null || NETD_RC=$?
    return 0
}

# netd_shim SECONDS CMD...: CMD under the shim in the namespace, in the foreground, killed
# after SECONDS (`timeout` itself runs without the shim).
netd_shim() {
    local limit=$1
    shift
    mnt_ns timeout -k 5 "$limit" env LD_PRELOAD="$NETD_PRELOAD" MULTIOS_NETD="$NETD_SOCK" "$@"
}

# netd_shim_bg LABEL CMD...: CMD under the shim in the background (mnt_start_bg: output in
# $MNT_WORKDIR/LABEL.out/.err, PID in MNT_BG_PID; `env` execs, so the PID is CMD's own).
netd_shim_bg() {
    local label=$1
    shift
    mnt_start_bg "$label" env LD_PRELOAD="$NETD_PRELOAD" MULTIOS_NETD="$NETD_SOCK" "$@"
    NETD_WATCH_PID=$MNT_BG_PID NETD_WATCH_WHAT="$label ($1)"
    netd_show_on_failure "$MNT_WORKDIR/$label.out" "$MNT_WORKDIR/$label.err"
}

# netd_wait_until SECONDS WHAT CMD...: retries CMD (every 0.3 s) until it succeeds; fails the
# test after SECONDS, or when the daemon or the program last started in the background
# (NETD_WATCH_PID, set by netd_shim_bg and netd_kernel_http) exits.
netd_wait_until() {
    local limit=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + limit))
    mnt_log "waiting up to ${limit}s for $what"
    until "$@" > /dev/null 2>&1; do
        mnt_fail_if_stack_died
        if [[ -n $NETD_WATCH_PID ]]; then
            netd_alive "$NETD_WATCH_PID" "$NETD_WATCH_WHAT"
        fi
        ((SECONDS < deadline)) || mnt_fail "$what: not within ${limit}s"
        sleep 0.3
    done
    mnt_log "$what: yes"
}

# netd_end PID: stops a background helper of ours (SIGTERM: background jobs of a script
# ignore SIGINT), SIGKILL after 5 s.
netd_end() {
    kill -TERM "$1" 2> /dev/null || true
    netd_wait_pid "$1" 5 || {
        kill -KILL "$1" 2> /dev/null || true
        wait "$1" 2> /dev/null || true
    }
}

# netd_alive PID WHAT: fails the test when a background program of ours has exited.
netd_alive() {
    kill -0 "$1" 2> /dev/null || {
        local rc=0
        wait "$1" 2> /dev/null || rc=$?
        mnt_fail "$2 exited (code $rc)"
    }
}

# netd_no_kernel_listener PORT: nothing in the namespace's kernel listens on TCP PORT, so the
# listener the kernel clients reach is the stack's (the shim did not fall back to libc).
netd_no_kernel_listener() {
    local lines
    lines=$(ip netns exec "$MNT_NS" ss -tlnH "sport = :$1" || true)
    [[ -z $lines ]] || mnt_fail "a kernel socket listens on port $1 (the shim fell back to libc?): $lines"
}

# netd_make_file PATH MEGABYTES: a random file; prints its sha256.
netd_make_file() {
    mkdir -p "$(dirname "$1")"
    head -c "$(($2 * 1024 * 1024))" /dev/urandom > "$1"
    netd_sha "$1"
}

netd_sha() { sha256sum "$1" | cut -d' ' -f1; }

# netd_check_sha FILE WANT LABEL: FILE has sha256 WANT.
netd_check_sha() {
    local got size
    size=$(stat -c %s "$1" 2> /dev/null || echo 0)
    got=$(netd_sha "$1" 2> /dev/null || true)
    [[ $got == "$2" ]] || mnt_fail "$3: sha256 mismatch ($size bytes, sha256 ${got:-none})"
    mnt_log "$3: $size bytes, sha256 matches"
}

# netd_kernel_http DIR PORT: `python3 -m http.server` on the kernel side ([::], dual stack)
# serving DIR; its request log (one line per request, client address first) is
# $MNT_WORKDIR/pyhttp.err. Sets NETD_HTTP_PID.
netd_kernel_http() {
    mnt_start_bg pyhttp "$NETD_PYTHON" -m http.server "$2" --bind :: --directory "$1"
    NETD_WATCH_PID=$MNT_BG_PID NETD_WATCH_WHAT="the kernel's http.server"
    # shellcheck disable=SC2034 # used by the scripts
    NETD_HTTP_PID=$MNT_BG_PID
    netd_show_on_failure "$MNT_WORKDIR/pyhttp.err"
    netd_wait_until 15 "the kernel's http.server on port $2" \
        bash -c "ip netns exec '$MNT_NS' ss -tlnH 'sport = :$2' | grep -q ."
}

# netd_mbps BYTES_PER_SECOND: (curl's %{speed_download}) as "N.N MB/s".
netd_mbps() { awk -v s="$1" 'BEGIN { printf "%.1f MB/s", s / 1e6 }'; }
