#!/bin/sh
# Builds (if needed) and runs every libFuzzer target for SECONDS (default 10) against a
# scratch copy of its seed corpus; exits non-zero on the first crash, leak or timeout.
#   fuzz/run-all.sh [SECONDS]
# Environment: FUZZ_BUILD_DIR (default <repo>/build-fuzz), FUZZ_TARGETS (space-separated
# names to run, default all), FUZZ_JOBS (parallel fuzzing processes per target, default 1).
set -eu

seconds=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${FUZZ_JOBS:-1}

if [ ! -f "$build/build.ninja" ]; then
    CXX=${CXX:-clang++-16} meson setup "$build" "$root" \
        -Dfuzz=true -Dtests=false -Dbenchmarks=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dcpp_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -Wno-unknown-warning-option'
fi

# Every executable meson defines under fuzz/ (see fuzz/meson.build: fuzz-<name>).
all=$(ninja -C "$build" -t targets all | sed -n 's|^\(fuzz/fuzz-[A-Za-z0-9_]*\): cpp_LINKER.*|\1|p')
[ -n "$all" ] || { echo "run-all.sh: no fuzz targets in $build" >&2; exit 1; }
ninja -C "$build" $all

names=${FUZZ_TARGETS:-$(for t in $all; do echo "${t#fuzz/fuzz-}"; done)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

for name in $names; do
    exe="$build/fuzz/fuzz-$name"
    corpus="$work/$name"
    mkdir -p "$corpus"
    if [ -d "$root/fuzz/corpus/$name" ]; then
        cp "$root/fuzz/corpus/$name"/* "$corpus"/ 2>/dev/null || true
    fi
    echo "== fuzz-$name for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
    # -fork keeps going in parallel processes; the default (one process) stops at the first bug.
    parallel=""
    [ "$jobs" -gt 1 ] && parallel="-fork=$jobs"
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 $parallel \
        -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
        "$corpus" > "$work/$name.log" 2>&1; then
        cat "$work/$name.log" >&2
        echo "run-all.sh: fuzz-$name FAILED; reproducer in $artifacts/" >&2
        exit 1
    fi
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$work/$name.log" | tr '\n' ' '
    echo
done
echo "run-all.sh: all targets ran ${seconds}s without a crash"
