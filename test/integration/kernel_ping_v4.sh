#!/bin/bash
# The Linux kernel pings the stack over IPv4, small to 65000-byte payloads (the last two
# fragmented in both directions), and learns the stack's MAC through ARP.
# Usage: kernel_ping_v4.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

mnt_init kping4 "$@"
mnt_start_stack serve
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4
for size in 56 1472 4000 65000; do
    mnt_kernel_ping -4 "$MNT_V4_STACK" "$size"
done
mnt_check_neigh -4 "$MNT_V4_STACK"
mnt_stop_stack
mnt_pass
