#!/bin/bash
# Issue 6 acceptance: Debian's nginx (nginx-light; master + one epoll worker that runs as
# nobody; sendfile on) under the LD_PRELOAD shim listens on 10.99.0.2:8080 and [fd99::2]:8080.
# The kernel's curl (no shim) fetches a small page over both families and a 50 MB file
# (sha256), then a bounded wrk run (1 thread, 10 connections, 3 s) gets only 2xx answers
# without socket errors; nginx stops on SIGQUIT with exit code 0 and its error log has no
# [alert], [crit] or [emerg] line.
# Usage: netd_nginx.sh [BUILD_DIR]     (root; skips when the daemon or the shim is not built)
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/netd/netd_lib.sh"

NGINX=/usr/sbin/nginx
PORT=8080

# ng_config: $DIR/nginx.conf from the template. (`nginx -t` cannot check it: it binds the
# listen addresses, which only the stack has.)
ng_config() {
    local user=""
    if [[ $(id -u) == 0 ]]; then
        user="user nobody $(id -gn nobody);"
    fi
    mkdir -p "$DIR/temp" "$DIR/www"
    sed -e "s|@DIR@|$DIR|g" -e "s|@USER@|$user|" -e "s|@PORT@|$PORT|g" \
        -e "s|@V4@|$MNT_V4_STACK|g" -e "s|@V6@|$MNT_V6_STACK|g" \
        "$NETD_DIR/nginx.conf.in" > "$DIR/nginx.conf"
}

# ng_get URL OUT: the kernel's curl (no shim) fetches URL into OUT; prints the speed.
ng_get() {
    mnt_ns timeout -k 5 200 curl -g -sS --max-time 180 -o "$2" -w '%{speed_download}' "$1"
}

netd_init nginx "$@"
[[ -x $NGINX ]] || mnt_skip "needs $NGINX (Debian package nginx-light)"
mnt_require_tool wrk
DIR=$MNT_WORKDIR/nginx
ng_config
netd_show_on_failure "$DIR/error.log"
printf '<html><body>multios nginx test</body></html>\n' > "$DIR/www/index.html"
WANT=$(netd_make_file "$DIR/www/big.bin" 50)
mnt_log "big.bin: 50 MB, sha256 $WANT"
netd_start

netd_shim_bg nginx "$NGINX" -p "$DIR" -e "$DIR/error.log" -c "$DIR/nginx.conf"
NGINX_PID=$MNT_BG_PID
netd_wait_until 30 "nginx answering on $MNT_V4_STACK:$PORT" \
    ip netns exec "$MNT_NS" curl -sS --max-time 2 -o /dev/null "http://$MNT_V4_STACK:$PORT/index.html"
netd_alive "$NGINX_PID" "nginx"
netd_no_kernel_listener "$PORT"
workers=$(pgrep -P "$NGINX_PID" | wc -l)
mnt_log "nginx master $NGINX_PID, $workers worker(s): $(ps -o user=,pid=,args= --ppid "$NGINX_PID" | tr '\n' ';')"
[[ $workers == 1 ]] || mnt_fail "expected one nginx worker, found $workers"

# The small page, both families.
for url in "http://$MNT_V4_STACK:$PORT/index.html" "http://[$MNT_V6_STACK]:$PORT/"; do
    ng_get "$url" "$MNT_WORKDIR/page.html" > /dev/null || mnt_fail "GET $url failed"
    cmp -s "$MNT_WORKDIR/page.html" "$DIR/www/index.html" || mnt_fail "GET $url: wrong body"
    mnt_log "GET $url: index.html"
done

# The 50 MB file (sendfile in nginx).
speed=$(ng_get "http://$MNT_V4_STACK:$PORT/big.bin" "$MNT_WORKDIR/big.bin") ||
    mnt_fail "GET big.bin failed"
mnt_log "big.bin: $(netd_mbps "$speed")"
netd_check_sha "$MNT_WORKDIR/big.bin" "$WANT" "big.bin from nginx"
rm -f "$MNT_WORKDIR/big.bin"

# A bounded wrk run with keep-alive connections.
WRK_OUT=$MNT_WORKDIR/wrk.txt
netd_show_on_failure "$WRK_OUT"
mnt_ns timeout -k 5 30 wrk -t1 -c10 -d3s --timeout 5s "http://$MNT_V4_STACK:$PORT/index.html" \
    > "$WRK_OUT" 2>&1 || mnt_fail "wrk failed"
cat "$WRK_OUT"
if grep -q -e 'Socket errors' -e 'Non-2xx' "$WRK_OUT"; then
    mnt_fail "wrk saw socket errors or non-2xx responses"
fi
mnt_expect "$WRK_OUT" '^Requests/sec: +[1-9]' "wrk completed no requests"
netd_alive "$NGINX_PID" "nginx"

# Graceful stop: the master waits for its worker and exits 0.
mnt_log "stopping nginx (pid $NGINX_PID) with SIGQUIT"
kill -QUIT "$NGINX_PID"
netd_wait_pid "$NGINX_PID" 20 || mnt_fail "nginx did not exit within 20s of SIGQUIT"
[[ $NETD_RC == 0 ]] || mnt_fail "nginx exited with code $NETD_RC"
if grep -E '\[(alert|crit|emerg)\]' "$DIR/error.log"; then
    mnt_fail "nginx logged alerts, critical errors or emergencies (above)"
fi
mnt_log "nginx error log: $(grep -c . "$DIR/error.log" || true) line(s), none [alert]/[crit]/[emerg]"
netd_stop
mnt_pass
