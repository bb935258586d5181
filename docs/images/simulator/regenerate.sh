#!/bin/bash
# Redraws the plots docs/simulator-scenarios.md shows: runs each example scenario at its own
# seed and copies the chosen PNG here as <scenario>-<plot>.png. Deterministic: an unchanged
# stack gives byte-identical files, so `git status` shows which plots a change moved.
#   docs/images/simulator/regenerate.sh [path/to/multios-net]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
exe=${1:-$(ls "$repo"/build*/apps/multios-net/multios-net 2> /dev/null | head -n 1)}
[[ -x $exe ]] || { echo "regenerate.sh: multios-net not found (pass its path)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for plot in slow_start/cwnd two_flows_fairness/cwnd newreno_vs_cubic/cwnd sack_bursty_loss/cwnd \
    http_keepalive/throughput dumbbell_two_flows/cwnd dumbbell_two_flows/queue \
    pmtu_fragmentation/throughput; do
    scenario=${plot%/*}
    [[ -d $work/$scenario ]] ||
        "$exe" simulate "$repo/examples/scenarios/$scenario.toml" --out "$work/$scenario" > /dev/null
    cp "$work/$plot.png" "$here/$scenario-${plot#*/}.png"
done
echo "regenerate.sh: plots written to $here"
