#!/bin/bash
# The meson test bench-run-smoke: `bench/run --smoke` on the test's own build tree, its report
# in a temporary directory, then bench/check_report.py (a row for every script that ran,
# numeric fields that parse, plots that exist). Asserts no timing. As non-root the network
# scripts skip and the report lists them; that passes.
#   bench/run-report-smoke.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: run-report-smoke.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/bench-run-smoke.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
rc=0
"$here/run" --smoke --build-dir "$build" --out "$tmp/report.md" || rc=$?
[[ -f $tmp/report.md ]] || { echo "bench/run (exit $rc) wrote no report"; exit 1; }
echo "----- report -----"
cat "$tmp/report.md"
echo "----- check -----"
check=0
/usr/bin/python3 "$here/check_report.py" "$tmp/report.md" || check=$?
if ((rc != 0 || check != 0)); then
    # Show what the failed scripts printed (the logs go away with the temporary directory).
    while IFS=$'\t' read -r name status _; do
        [[ $status == failed ]] || continue
        echo "----- $name.sh log (last 40 lines) -----"
        tail -n 40 "$tmp/report/logs/$name.log" 2> /dev/null || true
    done < "$tmp/report/scripts.tsv"
    echo "bench-run-smoke: bench/run exited $rc, check_report.py exited $check"
    exit 1
fi
