# shellcheck shell=bash
# Helpers shared by the tcp_http*.sh tests (source after lib.sh): a served tree with a 100 MB
# random file, and bounded downloads checked by SHA-256.

# shellcheck disable=SC2034 # used by the scripts that source this file
HTTP_PORT=8080
HTTP_BIG_BYTES=$((100 * 1024 * 1024))
HTTP_ROOT=""
HTTP_BIG_SHA=""

# http_make_root: $MNT_WORKDIR/www with big.bin (random), index.html, hello.txt, sub/index.html.
http_make_root() {
    HTTP_ROOT=$MNT_WORKDIR/www
    mkdir -p "$HTTP_ROOT/sub"
    head -c "$HTTP_BIG_BYTES" /dev/urandom > "$HTTP_ROOT/big.bin"
    HTTP_BIG_SHA=$(sha256sum "$HTTP_ROOT/big.bin" | cut -d' ' -f1)
    echo '<html><body>multios-net</body></html>' > "$HTTP_ROOT/index.html"
    echo 'hello' > "$HTTP_ROOT/hello.txt"
    echo 'sub index' > "$HTTP_ROOT/sub/index.html"
    # Something outside the root that traversal attempts aim for.
    echo 'SECRET' > "$MNT_WORKDIR/secret.txt"
    mnt_log "served tree $HTTP_ROOT, big.bin sha256 $HTTP_BIG_SHA"
}

# http_check_sha FILE LABEL: FILE is a complete copy of big.bin.
http_check_sha() {
    local file=$1 label=$2 got size
    size=$(stat -c %s "$file" 2> /dev/null || echo 0)
    got=$(sha256sum "$file" | cut -d' ' -f1)
    [[ $got == "$HTTP_BIG_SHA" ]] ||
        mnt_fail "$label: sha256 mismatch ($size of $HTTP_BIG_BYTES bytes, sha256 $got)"
    mnt_log "$label: $size bytes, sha256 matches"
}

# http_curl_big LABEL URL SECONDS: the kernel's curl downloads big.bin from the stack.
http_curl_big() {
    local label=$1 url=$2 limit=$3 out rc=0 speed
    out=$MNT_WORKDIR/$label.bin
    mnt_log "curl $url (at most ${limit}s)"
    speed=$(mnt_ns timeout -k 5 "$((limit + 10))" curl -g -sS --max-time "$limit" \
        -o "$out" -w '%{speed_download}' "$url") || rc=$?
    mnt_fail_if_stack_died
    [[ $rc == 0 ]] || mnt_fail "$label: curl exited $rc"
    mnt_log "$label: $(awk -v s="$speed" 'BEGIN { printf "%.1f MB/s", s / 1e6 }')"
    http_check_sha "$out" "$label"
    rm -f "$out"
}
