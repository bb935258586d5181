# Helpers the bench scripts share. Source it after setting BENCH_NAME (the log prefix).
# shellcheck shell=bash

log() { echo "[${BENCH_NAME:-bench} +${SECONDS}s] $*" >&2; }
fail() {
    log "FAIL: $*"
    exit 1
}
# Exit code 77 is meson's "skipped".
skip() {
    log "SKIP: $*"
    exit 77
}

# tap_namespace NS: namespace NS with the TAP mnet0 created from the kernel side (so its
# addresses stay while stack processes come and go on it): kernel 10.99.0.1/24 and fd99::1/64,
# the stack's config is config/test-net.toml.
tap_namespace() {
    local ns=$1
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" tuntap add mode tap name mnet0 multi_queue
    ip -n "$ns" link set mnet0 address 02:00:00:00:00:01
    ip -n "$ns" addr add 10.99.0.1/24 dev mnet0
    ip -n "$ns" -6 addr add fd99::1/64 dev mnet0 nodad
    ip -n "$ns" link set mnet0 up
}

# veth_namespaces NS_A NS_B: the kernel baseline, 10.98.0.1 (veth-a in NS_A) <-> 10.98.0.2
# (veth-b in NS_B).
veth_namespaces() {
    local a=$1 b=$2
    ip netns add "$a"
    ip netns add "$b"
    ip -n "$a" link set lo up
    ip -n "$b" link set lo up
    ip -n "$a" link add veth-a type veth peer name veth-b netns "$b"
    ip -n "$a" addr add 10.98.0.1/24 dev veth-a
    ip -n "$b" addr add 10.98.0.2/24 dev veth-b
    ip -n "$a" link set veth-a up
    ip -n "$b" link set veth-b up
}

# result SECTION FIGURE OURS BASELINE UNIT BETTER BASELINE_NAME TARGET NOTE
# Records one figure for bench/run's report: appends a tab-separated line to $BENCH_RESULTS
# (nothing when it is unset, so every script also runs alone). OURS and BASELINE are plain
# numbers measured in this run ("-" when a figure has no baseline, e.g. ns per packet);
# BETTER is "higher" or "lower"; TARGET is the aim as a ratio ours/baseline
# (e.g. "1.5", "0.5") or "-"; NOTE is free text (what was run, runs and spread).
result() {
    (($# == 9)) || fail "result: 9 fields expected, got $#: $*"
    [[ -n ${BENCH_RESULTS:-} ]] || return 0
    local IFS=$'\t'
    printf '%s\n' "$*" >> "$BENCH_RESULTS"
}
