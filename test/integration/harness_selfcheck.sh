#!/bin/bash
# Checks the harness itself (lib.sh) against dpdk-testpmd in icmpecho mode, which answers ARP
# and IPv4 ping on a net_tap port. Run it by hand when changing lib.sh; it is not a meson test:
#   sudo bash test/integration/harness_selfcheck.sh
# (dpdk-testpmd comes with Debian's dpdk-dev package.)
source "$(dirname "$0")/lib.sh"

# mnt_init wants the stack binary; testpmd stands in for it here.
mnt_init selfcheck "$(command -v dpdk-testpmd || echo /nonexistent)"
mnt_start_program testpmd dpdk-testpmd --no-pci --no-huge -m 512 --no-shconf --no-telemetry \
    --log-level=lib.eal:warning --vdev "net_tap0,iface=$MNT_IFACE" -- \
    --forward-mode=icmpecho --total-num-mbufs 8192 --stats-period 3600
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4
mnt_kernel_ping -4 "$MNT_V4_STACK" 56
mnt_kernel_ping -4 "$MNT_V4_STACK" 1472
line=$(ip -n "$MNT_NS" neigh show "$MNT_V4_STACK" dev "$MNT_IFACE")
mnt_log "neighbour: $line"
[[ $line =~ REACHABLE|STALE|DELAY ]] || mnt_fail "no neighbour entry"
# A failing check must fail the script and still clean up: try one in a subshell.
if (mnt_expect /dev/null "never there" "expected failure") > /dev/null 2>&1; then
    mnt_fail "mnt_expect did not fail"
fi
mnt_stop_stack
mnt_expect "$MNT_STACK_OUT" "Bye" "testpmd did not shut down cleanly"
mnt_pass
