#!/bin/bash
# `meson install` into a scratch root, then build and run a program against it with nothing
# but `pkg-config --cflags --libs multios-net`.
set -euo pipefail
build_dir=$1
src=$2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR=$root meson install -C "$build_dir" --quiet --no-rebuild
pcdir=$(dirname "$(find "$root" -name multios-net.pc | head -n 1)")
export PKG_CONFIG_PATH=$pcdir
prefix=$(pkg-config --variable=prefix multios-net)
pc() { pkg-config --define-variable=prefix="$root$prefix" "$@" multios-net; }
libdir=$(dirname "$(find "$root" -name 'libmultios-net.so' | head -n 1)")
echo "pkg-config: $(pc --cflags --libs)"
# shellcheck disable=SC2046
c++ -o "$root/consumer" "$src" $(pc --cflags --libs) -Wl,-rpath,"$libdir"
"$root/consumer"
