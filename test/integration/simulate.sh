#!/bin/bash
# `multios-net simulate` end to end (issue 7): every example scenario runs through the CLI; the
# same seed gives byte-identical pcap/CSV/summary/PNG files, another seed on a lossy scenario
# does not; tshark reads the captures with simulated timestamps; bad input exits 2 with a
# message naming the file and line; the PNG plots (multios-sim-plot, python3-matplotlib) are
# real PNGs, --no-plots writes none, and a failing plot step only warns. No root, no DPDK.
#   test/integration/simulate.sh build/apps/multios-net/multios-net
set -euo pipefail

EXE=${1:?usage: simulate.sh MULTIOS_NET_BINARY}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
SCENARIOS=$REPO/examples/scenarios
WORK=$(mktemp -d /tmp/mnt-simulate.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

log() { echo "[simulate +${SECONDS}s] $*"; }
fail() {
    log "FAIL: $*"
    exit 1
}

# png_check FILE: the 8-byte PNG signature, an IHDR first chunk and a sane size (prints WxH).
png_check() {
    local f=$1 sig ihdr w h
    [[ -s $f ]] || fail "$f: missing"
    sig=$(od -An -tx1 -N8 "$f" | tr -d ' \n')
    [[ $sig == 89504e470d0a1a0a ]] || fail "$f: not a PNG (signature $sig)"
    ihdr=$(od -An -c -j12 -N4 "$f" | tr -d ' \n')
    [[ $ihdr == IHDR ]] || fail "$f: first chunk is '$ihdr', not IHDR"
    w=$((16#$(od -An -tx1 -j16 -N4 "$f" | tr -d ' \n')))
    h=$((16#$(od -An -tx1 -j20 -N4 "$f" | tr -d ' \n')))
    ((w >= 200 && w <= 4000 && h >= 200 && h <= 4000)) || fail "$f: size ${w}x${h}"
    echo "${w}x${h}"
}

# has_tcp_flow CSV: true when some row of flows.csv has a cwnd (only TCP flows do).
has_tcp_flow() { awk -F, 'NR > 1 && $4 != "" { found = 1 } END { exit !found }' "$1"; }

# Every example scenario, shortened.
for f in "$SCENARIOS"/*.toml; do
    name=$(basename "$f" .toml)
    "$EXE" simulate "$f" --duration 3 --out "$WORK/$name" > "$WORK/$name.out" 2> "$WORK/$name.err" ||
        fail "$name: exit $? ($(cat "$WORK/$name.out" "$WORK/$name.err"))"
    grep -q "simulated s in" "$WORK/$name.out" || fail "$name: no summary"
    [[ -s $WORK/$name/flows.csv && -s $WORK/$name/links.csv ]] || fail "$name: CSV missing"
    ! grep -q "plots skipped" "$WORK/$name.err" || fail "$name: $(cat "$WORK/$name.err")"
    plots="throughput queue"
    if has_tcp_flow "$WORK/$name/flows.csv"; then
        plots+=" cwnd"
    else
        [[ ! -e $WORK/$name/cwnd.png ]] || fail "$name: cwnd.png without a TCP flow"
        grep -q "no cwnd.png: no TCP flow" "$WORK/$name.out" || fail "$name: cwnd.png skipped silently"
    fi
    sizes=""
    for p in $plots; do
        sizes+=" $p $(png_check "$WORK/$name/$p.png")"
        grep -qx "wrote $WORK/$name/$p.png" "$WORK/$name.out" || fail "$name: $p.png not announced"
    done
    log "$name: $(grep -c . "$WORK/$name/flows.csv") flow rows, $(ls "$WORK/$name"/*.pcap 2> /dev/null | wc -l) pcap files, PNG$sizes"
done

# --no-plots: the same files but no PNG; plotting a directory that does not exist: exit 2.
"$EXE" simulate "$SCENARIOS/slow_start.toml" --duration 1 --out "$WORK/np" --no-plots > "$WORK/np.out" ||
    fail "--no-plots: exit $?"
[[ -s $WORK/np/flows.csv ]] || fail "--no-plots: no flows.csv"
! ls "$WORK"/np/*.png > /dev/null 2>&1 || fail "--no-plots wrote $(ls "$WORK"/np/*.png)"
! grep -q "\.png" "$WORK/np.out" || fail "--no-plots mentions a PNG"
rc=0
/usr/bin/python3 "$REPO/apps/multios-net/multios-sim-plot" "$WORK/missing-dir" 2> "$WORK/plot.err" || rc=$?
[[ $rc == 2 ]] || fail "multios-sim-plot on a missing directory: exit $rc, expected 2"
grep -q "missing-dir: not a directory" "$WORK/plot.err" || fail "multios-sim-plot: $(cat "$WORK/plot.err")"
log "--no-plots: no PNG; multios-sim-plot on a missing directory: exit 2"

# A failing plot step warns in one line and the run still succeeds (exit 0, CSV written).
# (simulate runs the script with /usr/bin/python3)
printf 'import sys\nprint("noise", file=sys.stderr)\nprint("multios-sim-plot: pretend failure", file=sys.stderr)\nsys.exit(3)\n' > "$WORK/bad-plot"
for script in "$WORK/bad-plot" "$WORK/no-such-script"; do
    rm -rf "$WORK/pf"
    MULTIOS_SIM_PLOT=$script "$EXE" simulate "$SCENARIOS/p2p_ping.toml" --duration 1 --out "$WORK/pf" \
        > /dev/null 2> "$WORK/pf.err" || fail "plot failure with $script: exit $?"
    [[ -s $WORK/pf/flows.csv ]] || fail "plot failure with $script: no flows.csv"
    [[ $(grep -c . "$WORK/pf.err") == 1 ]] && grep -q "^multios-net: simulate: plots skipped: " "$WORK/pf.err" ||
        fail "plot failure with $script: stderr '$(cat "$WORK/pf.err")'"
done
log "plot failure: exit 0 and '$(cat "$WORK/pf.err")'"

# Determinism: same seed, same bytes; another seed on a lossy scenario, other bytes.
lossy=$SCENARIOS/star_mixed.toml
"$EXE" simulate "$lossy" --duration 5 --seed 11 --out "$WORK/a" > /dev/null
"$EXE" simulate "$lossy" --duration 5 --seed 11 --out "$WORK/b" > /dev/null
"$EXE" simulate "$lossy" --duration 5 --seed 12 --out "$WORK/c" > /dev/null
for f in "$WORK"/a/*; do
    cmp -s "$f" "$WORK/b/$(basename "$f")" || fail "seed 11 twice: $(basename "$f") differs"
done
ls "$WORK"/a/*.png > /dev/null 2>&1 || fail "seed 11: no PNG to compare"
log "seed 11 twice: $(ls "$WORK/a" | wc -l) files byte-identical (PNG plots included)"
if cmp -s "$WORK/a/flows.csv" "$WORK/c/flows.csv" && cmp -s "$WORK/a/links.csv" "$WORK/c/links.csv"; then
    fail "seeds 11 and 12 gave identical CSV on a lossy scenario"
fi
log "seed 12 differs"

# tshark reads a capture; its timestamps are simulated time (within the 5 s run).
if command -v tshark > /dev/null; then
    pcap=$(ls "$WORK"/a/*.pcap | head -n 1)
    last=$(tshark -r "$pcap" -T fields -e frame.time_relative 2> /dev/null | tail -n 1)
    [[ -n $last ]] || fail "tshark read no frame from $pcap"
    awk -v t="$last" 'BEGIN { exit !(t >= 0 && t <= 5.001) }' || fail "last frame at $last s, beyond the run"
    log "tshark reads $(basename "$pcap"): last frame at ${last} s"
fi

# Bad input: exit 2 and a message that names the file and line.
printf '[simulation]\nduration = "1s"\n[[node]]\nname = "a"\nkind = "toaster"\n' > "$WORK/bad.toml"
rc=0
"$EXE" simulate "$WORK/bad.toml" 2> "$WORK/bad.err" > /dev/null || rc=$?
[[ $rc == 2 ]] || fail "bad scenario: exit $rc, expected 2"
grep -q "bad.toml:[0-9]" "$WORK/bad.err" || fail "bad scenario: no file:line in '$(cat "$WORK/bad.err")'"
rc=0
"$EXE" simulate "$WORK/missing.toml" 2> "$WORK/missing.err" > /dev/null || rc=$?
[[ $rc == 2 ]] || fail "missing scenario: exit $rc, expected 2"
rc=0
"$EXE" simulate "$lossy" --duration nope 2> /dev/null > /dev/null || rc=$?
[[ $rc == 2 ]] || fail "--duration nope: exit $rc, expected 2"
log "bad input: exit 2 with $(head -c 120 "$WORK/bad.err")"
log PASS
