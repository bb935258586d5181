#!/bin/bash
# Command-line usage: --help exits 0 with the usage on stdout; wrong arguments exit 2 with a
# one-line message on stderr and nothing on stdout. Needs no root and no DPDK: the arguments
# are checked before EAL starts.
# Usage: cli_usage.sh [path/to/multios-net]
set -euo pipefail

EXE=${1:-${MULTIOS_NET:-}}
[[ -n $EXE && -x $EXE ]] || {
    echo "FAIL: multios-net binary not found (pass it as \$1 or set MULTIOS_NET)"
    exit 1
}
WORK=$(mktemp -d /tmp/mnt-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0

# run ARGS...: runs the binary with a time limit; sets RC, OUT and ERR.
run() {
    RC=0
    timeout -k 2 10 "$EXE" "$@" < /dev/null > "$WORK/out" 2> "$WORK/err" || RC=$?
    OUT=$(cat "$WORK/out")
    ERR=$(cat "$WORK/err")
}

bad() {
    echo "FAIL: multios-net $CASE: $*"
    echo "  exit code: $RC"
    echo "  stdout: ${OUT:0:400}"
    echo "  stderr: ${ERR:0:400}"
    failures=$((failures + 1))
}

# expect_help ARGS...: exit 0, usage text on stdout, nothing on stderr.
expect_help() {
    CASE="$*"
    run "$@"
    if [[ $RC != 0 ]]; then
        bad "expected exit code 0"
    elif [[ $OUT != *"Usage: multios-net"* ]]; then
        bad "expected the usage text on stdout"
    elif [[ -n $ERR ]]; then
        bad "expected nothing on stderr"
    else
        echo "ok: multios-net $CASE -> help"
    fi
}

# expect_usage_error TEXT ARGS...: exit 2, TEXT in the message on stderr, nothing on stdout.
expect_usage_error() {
    local text=$1
    shift
    CASE="$*"
    run "$@"
    if [[ $RC != 2 ]]; then
        bad "expected exit code 2"
    elif [[ $ERR != *"$text"* ]]; then
        bad "expected '$text' on stderr"
    elif [[ $ERR != multios-net* ]]; then
        bad "expected the message to start with 'multios-net'"
    elif [[ -n $OUT ]]; then
        bad "expected nothing on stdout"
    else
        echo "ok: multios-net $CASE -> exit 2: $(head -n 1 "$WORK/err")"
    fi
}

expect_help --help
expect_help -h
expect_help help
expect_help serve --help
expect_help ping --help
expect_help ping 10.0.0.1 -c 3 -h
expect_help demo --help
expect_help help ping
expect_help --vdev net_tap0,iface=x --ip 10.0.0.2/24 serve --udp-echo 7 --help

expect_usage_error "missing command"
expect_usage_error "unknown option '--foo' (see multios-net --help)" --foo serve
expect_usage_error "unknown command 'frobnicate'" frobnicate
expect_usage_error "unknown command 'nope'" help nope
expect_usage_error "needs a value" --ip
expect_usage_error "invalid value '10.0.0.300/24' for --ip" --ip 10.0.0.300/24 serve
expect_usage_error "for --mtu" --mtu 20 serve
expect_usage_error "for --mtu" --mtu 9001 serve
expect_usage_error "for --mac" --mac 02:00:00 serve
expect_usage_error "given twice" --pcap a.pcapng --pcap b.pcapng serve
expect_usage_error "use --lcores N, not -l inside --eal" --eal "-l 0-1" serve
expect_usage_error "for --loss" --loss 2 serve
expect_usage_error "write it before the command" serve --ip 10.0.0.2/24
expect_usage_error "for --udp-echo" serve --udp-echo 0
expect_usage_error "unexpected argument 'x'" serve x
expect_usage_error "missing destination" ping
expect_usage_error "not a numeric IPv4 or IPv6 address" ping no.such.host
expect_usage_error "for -c" ping 10.0.0.1 -c 0
expect_usage_error "for -s" ping 10.0.0.1 -s 65508
expect_usage_error "for -t" ping 10.0.0.1 -t 256
expect_usage_error "for -i" ping -i 0 10.0.0.1
expect_usage_error "unknown option '-x'" ping 10.0.0.1 -x
expect_usage_error "unexpected argument 'now'" demo now

if ((failures > 0)); then
    echo "FAIL: $failures case(s) failed"
    exit 1
fi
echo "PASS"
