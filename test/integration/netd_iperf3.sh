#!/bin/bash
# Issue 6 acceptance: `iperf3 -s` under the LD_PRELOAD shim (Debian's iperf3 listens on [::]
# with IPV6_V6ONLY off, so the IPv4 client arrives v4-mapped); the kernel's iperf3 client runs
# for IPERF_SECONDS (default 10) towards the stack, then again reversed (-R: the shimmed server
# sends). Both runs must complete; the throughput of each is printed in Gbit/s.
# Usage: netd_iperf3.sh [BUILD_DIR]     (root; skips when the daemon or the shim is not built)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/netd/netd_lib.sh"

PORT=5201
IPERF_SECONDS=${IPERF_SECONDS:-10}

# gbits JSON: "sent X Gbit/s, received Y Gbit/s" from the client's --json report; fails on an
# "error" member.
gbits() {
    "$NETD_PYTHON" - "$1" << 'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
if report.get("error"):
    sys.exit("iperf3 error: " + report["error"])
end = report["end"]
print("sent %.3f Gbit/s, received %.3f Gbit/s" % (end["sum_sent"]["bits_per_second"] / 1e9,
                                                    end["sum_received"]["bits_per_second"] / 1e9))
PY
}

# run_one LABEL [CLIENT ARGS...]: a one-off shimmed server and one kernel client run.
run_one() {
    local label=$1 json=$MNT_WORKDIR/$1.json rc=0 server_pid summary
    shift
    # -1: the server exits after one test; --forceflush: its "listening" line reaches the file.
    netd_shim_bg "server-$label" iperf3 -s -1 -p "$PORT" --forceflush
    server_pid=$MNT_BG_PID
    netd_wait_until 30 "iperf3 -s listening ($label)" \
        grep -q 'Server listening on' "$MNT_WORKDIR/server-$label.out"
    netd_no_kernel_listener "$PORT"
    netd_show_on_failure "$json"
    mnt_ns timeout -k 5 $((IPERF_SECONDS + 60)) iperf3 -c "$MNT_V4_STACK" -p "$PORT" \
        -t "$IPERF_SECONDS" --connect-timeout 10000 --json "$@" > "$json" || rc=$?
    mnt_fail_if_stack_died
    summary=$(gbits "$json") || mnt_fail "$label: no iperf3 result (see $json)"
    [[ $rc == 0 ]] || mnt_fail "$label: iperf3 -c exited $rc"
    netd_wait_pid "$server_pid" 20 || mnt_fail "$label: iperf3 -s -1 did not exit after the test"
    [[ $NETD_RC == 0 ]] || mnt_fail "$label: iperf3 -s exited with code $NETD_RC"
    mnt_log "iperf3 $label (${IPERF_SECONDS}s): $summary"
    echo "iperf3 $label: $summary" >> "$MNT_WORKDIR/results.txt"
}

netd_init iperf3 "$@"
mnt_require_tool iperf3
netd_start
run_one "kernel->stack"
run_one "stack->kernel" -R
cat "$MNT_WORKDIR/results.txt"
netd_stop
mnt_pass
