#!/bin/bash
# `serve --http` with the kernel's curl: a 100 MB file over IPv4 and IPv6 (sha256 checked),
# HEAD, 404, keep-alive reuse, index.html and the directory redirect, refused methods, and
# path traversal (plain, percent-encoded, NUL) refused without leaking anything outside --root.
# Usage: tcp_http.sh [path/to/multios-net]
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/http_lib.sh"

# status URL [CURL ARGS...]: the HTTP status code curl saw.
status() {
    local url=$1
    shift
    mnt_ns timeout 30 curl -g -s --max-time 20 -o /dev/null -w '%{http_code}' "$@" "$url" || true
}

expect_status() {
    local want=$1 url=$2 got
    shift 2
    got=$(status "$url" "$@")
    [[ $got == "$want" ]] || mnt_fail "$url ($*): status $got, expected $want"
    mnt_log "$url $*: $got"
}

mnt_init tcphttp "$@"
mnt_require_tool curl sha256sum
http_make_root
mnt_start_stack serve --http "$HTTP_PORT" --root "$HTTP_ROOT"
mnt_wait_iface
mnt_config_kernel
mnt_wait_answers v4 v6
V4=http://$MNT_V4_STACK:$HTTP_PORT
V6=http://[$MNT_V6_STACK]:$HTTP_PORT

# Small things first: they fail fast when something basic is wrong.
body=$(mnt_ns timeout 30 curl -sS --max-time 20 "$V4/hello.txt") || mnt_fail "GET /hello.txt failed"
[[ $body == hello ]] || mnt_fail "GET /hello.txt: got '$body'"
mnt_ns timeout 30 curl -sS --max-time 20 "$V4/" | grep -q multios-net || mnt_fail "GET / is not index.html"
expect_status 404 "$V4/no-such-file"
expect_status 404 "$V6/no-such-file"
expect_status 301 "$V4/sub"
[[ $(mnt_ns timeout 30 curl -sS -L --max-time 20 "$V4/sub") == "sub index" ]] ||
    mnt_fail "the /sub redirect does not lead to sub/index.html"

# HEAD: the headers of GET, no body.
head_out=$MNT_WORKDIR/head.txt
mnt_ns timeout 30 curl -sS -I --max-time 20 "$V4/big.bin" > "$head_out" || mnt_fail "HEAD failed"
cat "$head_out"
mnt_expect "$head_out" '^HTTP/1.1 200 OK' "HEAD /big.bin is not 200"
mnt_expect "$head_out" "^Content-Length: $HTTP_BIG_BYTES"$'\r'"?$" "HEAD: wrong Content-Length"
expect_status 404 "$V6/missing" -I

# Keep-alive: curl reuses one connection for two URLs.
ka=$MNT_WORKDIR/keepalive.txt
mnt_ns timeout 30 curl -sS -v --max-time 20 -o /dev/null -o /dev/null "$V4/hello.txt" \
    "$V4/index.html" 2> "$ka" || mnt_fail "keep-alive pair failed"
grep -qi 're-using existing connection' "$ka" || {
    cat "$ka"
    mnt_fail "curl did not reuse the connection (no keep-alive)"
}

# Methods other than GET/HEAD.
expect_status 405 "$V4/hello.txt" -X POST -d x
expect_status 405 "$V4/hello.txt" -X DELETE
expect_status 501 "$V4/hello.txt" -X BREW

# Traversal: never the file outside the root (403 or 404, and never its content).
for path in /../secret.txt /%2e%2e/secret.txt /%2E%2E%2Fsecret.txt /sub/../../secret.txt \
    /..%2fsecret.txt /hello.txt%00.html //etc/passwd; do
    out=$MNT_WORKDIR/trav.txt
    code=$(mnt_ns timeout 30 curl -s --path-as-is --max-time 20 -o "$out" -w '%{http_code}' \
        "$V4$path" || true)
    [[ $code == 403 || $code == 404 || $code == 400 ]] || mnt_fail "$path: status $code"
    if grep -q -e SECRET -e 'root:' "$out"; then
        mnt_fail "$path leaked a file outside --root"
    fi
    mnt_log "$path: $code"
done

# An oversized request head is refused.
big_header=$MNT_WORKDIR/big-header.txt
echo "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" > "$big_header"
code=$(status "$V4/hello.txt" -H "@$big_header")
[[ $code == 431 || $code == 400 ]] || mnt_fail "a 20 kB header got $code, expected 431"
mnt_log "a 20 kB header: $code"

# wrk: many keep-alive connections at once, every response a 200 (bounded: 5 s).
if command -v wrk > /dev/null 2>&1; then
    wrk_out=$MNT_WORKDIR/wrk.txt
    mnt_ns timeout 30 wrk -t 2 -c 50 -d 5s --timeout 5s "$V4/hello.txt" > "$wrk_out" 2>&1 ||
        mnt_fail "wrk failed: $(cat "$wrk_out")"
    cat "$wrk_out"
    mnt_fail_if_stack_died
    if grep -q -e 'Socket errors' -e 'Non-2xx' "$wrk_out"; then
        mnt_fail "wrk saw errors or non-2xx responses"
    fi
    mnt_expect "$wrk_out" '^Requests/sec: +[1-9]' "wrk completed no requests"
else
    mnt_log "wrk not installed: skipping the wrk check"
fi

# The 100 MB file, both families.
http_curl_big v4 "$V4/big.bin" 180
http_curl_big v6 "$V6/big.bin" 180
# The service still answers after the bulk transfers.
expect_status 200 "$V4/hello.txt"
mnt_stop_stack
mnt_pass
