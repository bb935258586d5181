#!/bin/bash
# `multios-net demo` (the README's first command) runs to the end, every step works, and it
# leaves no namespace behind.
# Usage: demo.sh [path/to/multios-net]
set -euo pipefail
exe=${1:-${MULTIOS_NET:-}}
[[ -x $exe ]] || { echo "multios-net binary not found"; exit 1; }
[[ $(id -u) == 0 ]] || { echo "needs root"; exit 77; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
timeout -k 5 120 "$exe" demo > "$out" 2>&1 || rc=$?
cat "$out"
[[ $rc == 0 ]] || { echo "FAIL: demo exited $rc"; exit 1; }
grep -q "Demo finished: every step worked." "$out" || { echo "FAIL: demo did not finish"; exit 1; }
grep -q "hello from the kernel" "$out" || { echo "FAIL: no UDP echo in the demo"; exit 1; }
if ip netns list | grep -q '^multios-demo-'; then
    echo "FAIL: the demo left a namespace behind"
    exit 1
fi
echo PASS
