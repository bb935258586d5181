#!/bin/bash
# Runs after the other integration tests: every test deletes its namespace "mnt-<test>-<pid>",
# so none may be left, and no process may still run in one.
set -euo pipefail
[[ $(id -u) == 0 ]] || {
    echo "SKIP: needs root"
    exit 77
}
left=$(ip netns list | awk '{print $1}' | grep '^mnt-' || true)
if [[ -n $left ]]; then
    for ns in $left; do
        echo "left behind: namespace $ns, processes: $(ip netns pids "$ns" 2> /dev/null | tr '\n' ' ')"
    done
    echo "FAIL: test namespaces were not cleaned up (delete them with: ip netns del NAME)"
    exit 1
fi
echo "PASS: no test namespace left"
