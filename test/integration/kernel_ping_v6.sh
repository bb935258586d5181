#!/bin/bash
# The Linux kernel pings the stack over IPv6 (global and link-local address), small to
# 65000-byte payloads (the last two fragmented in both directions), and learns the stack's MAC
# through neighbour discovery.
# Usage: kernel_ping_v6.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

mnt_init kping6 "$@"
mnt_start_stack serve
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v6
for size in 56 1452 1472 4000 65000; do
    mnt_kernel_ping -6 "$MNT_V6_STACK" "$size"
done
for size in 56 4000; do
    mnt_kernel_ping -6 "$MNT_V6_LL_STACK%$MNT_IFACE" "$size"
done
mnt_check_neigh -6 "$MNT_V6_STACK"
mnt_stop_stack
mnt_pass
