#!/bin/bash
# UDP echo (`serve --udp-echo 7`) with kernel clients: socat for a short datagram, a Python
# socket client for exact bytes, including datagrams larger than the MTU (fragmented both ways).
# Usage: udp_echo.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PORT=7

socat_echo() {
    local target=$1 got
    mnt_log "socat to $target"
    got=$(printf '0123456789' | mnt_ns timeout 10 socat -t 3 - "$target") || true
    [[ $got == 0123456789 ]] || mnt_fail "socat $target: got '$got', expected '0123456789'"
}

mnt_init udpecho "$@"
mnt_require_tool socat python3
mnt_start_stack serve --udp-echo "$PORT"
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6

socat_echo "UDP4:$MNT_V4_STACK:$PORT"
socat_echo "UDP6:[$MNT_V6_STACK]:$PORT"
for addr in "$MNT_V4_STACK" "$MNT_V6_STACK"; do
    mnt_ns timeout 60 python3 "$HERE/udp_client.py" "$addr" "$PORT" 10 1000 1472 3000 8000 ||
        mnt_fail "UDP echo to $addr failed"
done
mnt_stop_stack
mnt_pass
