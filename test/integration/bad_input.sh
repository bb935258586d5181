#!/bin/bash
# Bad input from scapy in the kernel namespace (bad_input.py has the cases): every malformed
# packet is dropped and counted under its reason, nothing crashes, memory stays bounded (the
# reassembly cap holds, the process does not grow), and the stack answers ping afterwards,
# including a fragmented one right after a flood of incomplete fragments.
# Usage: bad_input.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3 # Debian's interpreter, the one with scapy (TOOLCHAIN.md)
# How much the stack's resident memory may grow while it takes the bad input (KiB). Its
# buffers come from a fixed mbuf pool, so a flood must not make it grow much at all.
RSS_GROWTH_LIMIT_KIB=${RSS_GROWTH_LIMIT_KIB:-65536}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$MNT_STACK_PID/status"; }

mnt_init badinput "$@"
"$PY" -c 'import scapy' 2> /dev/null || mnt_fail "$PY has no scapy (apt-get install python3-scapy)"
mnt_start_stack serve --udp-echo 7
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6
# Warm up the paths the bad input takes, so that first-use allocations do not count as growth.
mnt_kernel_ping -4 "$MNT_V4_STACK" 4000 2
mnt_kernel_ping -6 "$MNT_V6_STACK" 4000 2
rss_before=$(rss_kib)

mnt_ns timeout 300 "$PY" "$HERE/bad_input.py" send --iface "$MNT_IFACE" \
    --stack-mac "$MNT_STACK_MAC" --stack-v4 "$MNT_V4_STACK" --kernel-v4 "$MNT_V4_KERNEL" \
    --stack-v6 "$MNT_V6_STACK" --kernel-v6 "$MNT_V6_KERNEL" ||
    mnt_fail "sending bad input failed, or the stack stopped answering (see above)"
mnt_fail_if_stack_died

rss_after=$(rss_kib)
mnt_log "stack VmRSS: ${rss_before} KiB before the bad input, ${rss_after} KiB after"
((rss_after - rss_before <= RSS_GROWTH_LIMIT_KIB)) ||
    mnt_fail "the stack grew by $((rss_after - rss_before)) KiB (limit $RSS_GROWTH_LIMIT_KIB)"

# Legitimate traffic right after the flood: small and fragmented pings, both families.
mnt_wait_answers v4 v6 10
mnt_kernel_ping -4 "$MNT_V4_STACK" 4000
mnt_kernel_ping -6 "$MNT_V6_STACK" 4000
mnt_kernel_ping -4 "$MNT_V4_STACK" 56
mnt_kernel_ping -6 "$MNT_V6_STACK" 56

mnt_stop_stack
mnt_log "stack output:"
cat "$MNT_STACK_OUT"
"$PY" "$HERE/bad_input.py" check "$MNT_STACK_OUT" ||
    mnt_fail "some bad input was not counted under its expected reason (see above)"
mnt_pass
