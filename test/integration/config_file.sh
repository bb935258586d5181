#!/bin/bash
# `multios-net --config FILE`: the stack takes its port, addresses and MAC from
# config/test-net.toml and the kernel pings it (IPv4 and IPv6); a bad file is a usage error
# (exit code 2) whose message names FILE:LINE:COL.
# Usage: config_file.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"

CONFIG_DIR=$(realpath "$(dirname "$0")/../../config")

mnt_init config "$@"

# A bad file: refused before EAL starts, with the place of the mistake.
bad=$MNT_WORKDIR/bad.toml
printf '[stack]\nlcores = 2\n\n[[interface]]\nname = "mnet0"\nmtu = 70000\n' > "$bad"
rc=0
timeout -k 2 10 "$MNT_EXE" --config "$bad" serve > "$MNT_WORKDIR/bad.out" 2> "$MNT_WORKDIR/bad.err" || rc=$?
cat "$MNT_WORKDIR/bad.err"
[[ $rc == 2 ]] || mnt_fail "a bad configuration file gave exit code $rc, not 2"
mnt_expect "$MNT_WORKDIR/bad.err" "$bad:6:7: interface\[0\]\.mtu" "no FILE:LINE:COL in the message"
[[ ! -s $MNT_WORKDIR/bad.out ]] || mnt_fail "a bad configuration file printed on stdout"
rc=0
timeout -k 2 10 "$MNT_EXE" --config "$MNT_WORKDIR/missing.toml" serve 2> "$MNT_WORKDIR/missing.err" || rc=$?
[[ $rc == 2 ]] || mnt_fail "a missing configuration file gave exit code $rc, not 2"
mnt_expect "$MNT_WORKDIR/missing.err" "missing.toml: .*No such file or directory"

# The good file: no port options on the command line at all.
# shellcheck disable=SC2086 # MNT_STACK_EXTRA is a list of options
mnt_start_program stack "$MNT_EXE" --config "$CONFIG_DIR/test-net.toml" $MNT_STACK_EXTRA serve
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6
mnt_kernel_ping -4 "$MNT_V4_STACK" 56
mnt_kernel_ping -6 "$MNT_V6_STACK" 56
mnt_check_neigh -4 "$MNT_V4_STACK"
mnt_check_neigh -6 "$MNT_V6_STACK"
mnt_stop_stack
mnt_pass
