#!/bin/bash
# `serve --http` under impairment on the stack's port: the kernel's curl downloads a 100 MB file
# with --loss 0.01, then with --loss 0.05 --reorder 0.02; both must complete and match.
# The TAP is created first from the kernel side, so it keeps its addresses between the runs.
# Usage: tcp_http_loss.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/http_lib.sh"

# lossy_run LABEL SECONDS PORT_OPTIONS...
lossy_run() {
    local label=$1 limit=$2
    shift 2
    mnt_log "---- $label: $* ----"
    mnt_start_stack "$@" --seed 7 serve --http "$HTTP_PORT" --root "$HTTP_ROOT"
    mnt_wait_answers v4 30
    http_curl_big "$label" "http://$MNT_V4_STACK:$HTTP_PORT/big.bin" "$limit"
    mnt_stop_stack
}

mnt_init tcphttploss "$@"
mnt_require_tool curl sha256sum
http_make_root
mnt_precreate_tap
lossy_run loss1 240 --loss 0.01
# About 75 s on a 2-core VM (release build); room for slower builds.
lossy_run loss5-reorder 600 --loss 0.05 --reorder 0.02
mnt_pass
