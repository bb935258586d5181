#!/bin/bash
# The examples (examples/*.cpp) run as an application would run them, against the kernel in a
# private namespace. Each takes its interfaces from $MULTIOS_NET_CONFIG (config/test-net.toml:
# TAP mnet0, 10.99.0.2 and fd99::2), except quick_start, which is the issue's quick start
# verbatim (TAP eth0, 192.168.1.10, no configuration file).
#   web_server   100 concurrent curl downloads of a 1 MB file (IPv4 and IPv6), sha256 checked;
#                404, 403 for "..", SIGINT -> exit 0 with "served N requests".
#   http_client  against python3 -m http.server on 10.99.0.1, then on fd99::1: body saved with
#                -o matches; exit 1 on 404 and on a closed port ("Connection refused").
#   udp_chat     against a UDP echo on 10.99.0.1 and on fd99::1: the typed lines come back,
#                printed with the sender's address.
#   quick_start  a python HTTP responder on 192.168.1.100:80; a kernel client connects to
#                192.168.1.10:8080 once the program listens; it prints what it got, exit 0.
#   ping         raw ICMP/ICMPv6 echo to the kernel: 3 replies each (v4 with ttl=64), exit 0;
#                an address nobody has: 100% loss, exit 1.
#   echo_server_asio  40 concurrent kernel clients (v4 and v6) send 200 kB each and get it back
#                intact; SIGINT -> exit 0 with the connection and byte counts.
# Usage: examples.sh PART path/to/example-binary     (PART: web_server, http_client, udp_chat,
#        quick_start, ping, echo_server_asio); root.
PART=${1:-}
shift || true
source "$(dirname "$0")/lib.sh"

CONFIG=$(realpath "$(dirname "$0")/../../config/test-net.toml")
PYTHON=/usr/bin/python3

# ex_run LABEL EXPECTED_EXIT SECONDS CMD...: a short-lived example inside the namespace with the
# test configuration, stdin from $EX_STDIN (default /dev/null); output in LABEL.out/.err.
ex_run() {
    local label=$1 expected=$2 limit=$3 rc=0
    shift 3
    # shellcheck disable=SC2034 # read by lib.sh when a test fails (program logs)
    MNT_STACK_OUT=$MNT_WORKDIR/$label.out MNT_STACK_ERR=$MNT_WORKDIR/$label.err
    mnt_log "$label: $* (expecting exit code $expected)"
    mnt_ns env MULTIOS_NET_CONFIG="$CONFIG" timeout -k 5 "$limit" "$MNT_EXE" "$@" \
        < "${EX_STDIN:-/dev/null}" > "$MNT_STACK_OUT" 2> "$MNT_STACK_ERR" || rc=$?
    cat "$MNT_STACK_ERR"
    [[ $rc == "$expected" ]] || mnt_fail "$label: exited $rc, expected $expected"
}

# ex_wait_listen PROTO PORT: a kernel socket in the namespace listens (t) or is bound (u).
ex_wait_listen() {
    local deadline=$((SECONDS + 15))
    until ip netns exec "$MNT_NS" ss "-${1}lnH" "sport = :$2" | grep -q .; do
        ((SECONDS < deadline)) || mnt_fail "nothing bound to $1 port $2 in the namespace"
        sleep 0.2
    done
}

# ex_wait_output FILE REGEX SECONDS: the running program printed a matching line.
ex_wait_output() {
    local deadline=$((SECONDS + $3))
    until grep -Eq -- "$2" "$1" 2> /dev/null; do
        mnt_fail_if_stack_died
        ((SECONDS < deadline)) || mnt_fail "no line /$2/ in $1 within $3 s"
        sleep 0.2
    done
}

# ex_wait_exit SECONDS: waits for "the stack" (the program) to exit by itself; sets EX_RC.
ex_wait_exit() {
    local deadline=$((SECONDS + $1)) pid=$MNT_STACK_PID
    while kill -0 "$pid" 2> /dev/null && ((SECONDS < deadline)); do
        sleep 0.2
    done
    kill -0 "$pid" 2> /dev/null && mnt_fail "the program did not exit within $1 s"
    EX_RC=0
    wait "$pid" || EX_RC=$?
    MNT_STACK_PID=""
}

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- web_server ------------------------------------------------------------------------------
test_web_server() {
    local site=$MNT_WORKDIR/site dl=$MNT_WORKDIR/downloads port=8080 want i bad=0 code served
    mkdir -p "$site" "$dl"
    head -c 1048576 /dev/urandom > "$site/big.bin"
    printf '<html><body>multios web_server test</body></html>\n' > "$site/index.html"
    want=$(sha_of "$site/big.bin")

    mnt_start_program server env MULTIOS_NET_CONFIG="$CONFIG" "$MNT_EXE" --root "$site" --port "$port"
    mnt_wait_iface
    mnt_config_kernel
    ex_wait_output "$MNT_STACK_OUT" '^web_server: serving ' 30
    mnt_wait_answers v4 v6

    mnt_log "index.html over IPv4 and IPv6"
    mnt_ns curl -sS --max-time 30 -o "$dl/index4.html" "http://$MNT_V4_STACK:$port/"
    mnt_ns curl -sS --max-time 30 -o "$dl/index6.html" "http://[$MNT_V6_STACK]:$port/index.html"
    cmp -s "$dl/index4.html" "$site/index.html" || mnt_fail "GET / did not return index.html"
    cmp -s "$dl/index6.html" "$site/index.html" || mnt_fail "GET /index.html over IPv6 differs"

    # 100 downloads at once: 70 over IPv4, 30 over IPv6; each records curl's exit code.
    mnt_log "100 concurrent downloads of 1 MB"
    # shellcheck disable=SC2016 # expanded by the inner bash
    ip netns exec "$MNT_NS" bash -c '
        dl=$1 v4=$2 v6=$3 port=$4
        for i in $(seq 1 100); do
            if ((i % 10 < 7)); then url="http://$v4:$port/big.bin"; else url="http://[$v6]:$port/big.bin"; fi
            (curl -sS --max-time 120 -o "$dl/big.$i" "$url" 2> "$dl/curl.$i.err"; echo $? > "$dl/rc.$i") &
        done
        wait' _ "$dl" "$MNT_V4_STACK" "$MNT_V6_STACK" "$port"
    for i in $(seq 1 100); do
        if [[ $(cat "$dl/rc.$i" 2> /dev/null) != 0 ]]; then
            mnt_log "download $i: curl exit $(cat "$dl/rc.$i" 2> /dev/null): $(cat "$dl/curl.$i.err")"
            bad=$((bad + 1))
        elif [[ $(sha_of "$dl/big.$i") != "$want" ]]; then
            mnt_log "download $i: sha256 differs ($(stat -c %s "$dl/big.$i") bytes)"
            bad=$((bad + 1))
        fi
    done
    ((bad == 0)) || mnt_fail "$bad of 100 concurrent downloads failed or differ"
    mnt_log "all 100 downloads match sha256 $want"
    rm -f "$dl"/big.*

    code=$(mnt_ns curl -sS --max-time 30 -o /dev/null -w '%{http_code}' "http://$MNT_V4_STACK:$port/missing.html")
    [[ $code == 404 ]] || mnt_fail "a missing file gave HTTP $code, not 404"
    # --path-as-is: curl would otherwise squash the "..".
    code=$(mnt_ns curl -sS --max-time 30 --path-as-is -o /dev/null -w '%{http_code}' \
        "http://$MNT_V4_STACK:$port/../etc/passwd")
    [[ $code == 403 ]] || mnt_fail "GET /../etc/passwd gave HTTP $code, not 403"
    code=$(mnt_ns curl -sS --max-time 30 --path-as-is -o /dev/null -w '%{http_code}' \
        "http://[$MNT_V6_STACK]:$port/sub/../../big.bin")
    [[ $code == 403 ]] || mnt_fail "GET /sub/../../big.bin gave HTTP $code, not 403"

    mnt_stop_stack 20
    mnt_expect "$MNT_STACK_OUT" '^web_server: served [0-9]+ requests' "no 'served N requests' line"
    served=$(sed -n 's/^web_server: served \([0-9]*\) requests.*/\1/p' "$MNT_STACK_OUT" | tail -n 1)
    mnt_log "web_server reports $served requests served"
    ((served >= 100)) || mnt_fail "web_server served $served requests, expected at least 100"
}

# ---- http_client -----------------------------------------------------------------------------
# One run against python3 -m http.server bound to BIND (10.99.0.1 or fd99::1).
http_client_against() {
    local fam=$1 bind=$2 host=$3 root=$MNT_WORKDIR/www pid
    mnt_start_bg "pyhttp-$fam" "$PYTHON" -m http.server 8000 --bind "$bind" --directory "$root"
    pid=$MNT_BG_PID
    ex_wait_listen t 8000

    ex_run "get-$fam" 0 120 "http://$host:8000/big.bin" -o "$MNT_WORKDIR/got-$fam.bin"
    mnt_expect "$MNT_WORKDIR/get-$fam.err" '^HTTP/1\.[01] 200 ' "$fam: no status line on stderr"
    [[ $(sha_of "$MNT_WORKDIR/got-$fam.bin") == $(sha_of "$root/big.bin") ]] ||
        mnt_fail "$fam: the saved body differs from the file ($(stat -c %s "$MNT_WORKDIR/got-$fam.bin") bytes)"
    mnt_log "$fam: body matches sha256"

    ex_run "missing-$fam" 1 60 "http://$host:8000/no-such-file" -o "$MNT_WORKDIR/missing-$fam.bin"
    mnt_expect "$MNT_WORKDIR/missing-$fam.err" '^HTTP/1\.[01] 404 ' "$fam: 404 not reported"

    ex_run "refused-$fam" 1 60 "http://$host:8001/" -o /dev/null
    mnt_expect "$MNT_WORKDIR/refused-$fam.err" 'Connection refused' \
        "$fam: a closed port did not give 'Connection refused'"

    kill -TERM "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}

test_http_client() {
    mkdir -p "$MNT_WORKDIR/www"
    head -c 1048576 /dev/urandom > "$MNT_WORKDIR/www/big.bin"
    mnt_precreate_tap
    http_client_against v4 "$MNT_V4_KERNEL" "$MNT_V4_KERNEL"
    http_client_against v6 "$MNT_V6_KERNEL" "[$MNT_V6_KERNEL]"
}

# ---- udp_chat --------------------------------------------------------------------------------
test_udp_chat() {
    local fam host peer echo_py=$MNT_WORKDIR/udp_echo.py
    cat > "$echo_py" << 'EOF'
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
EOF
    mnt_precreate_tap
    for fam in v4 v6; do
        if [[ $fam == v4 ]]; then host=$MNT_V4_KERNEL peer=$MNT_V4_KERNEL:7777; else
            host=$MNT_V6_KERNEL peer="[$MNT_V6_KERNEL]:7777"; fi
        mnt_start_bg "echo-$fam" "$PYTHON" "$echo_py" "$host" 7777
        ex_wait_listen u 7777
        printf 'hello over %s\nsecond line, %s\n' "$fam" "$fam" > "$MNT_WORKDIR/chat-$fam.in"
        EX_STDIN=$MNT_WORKDIR/chat-$fam.in ex_run "chat-$fam" 0 60 --port 9000 --peer "$peer" --linger 2
        cat "$MNT_WORKDIR/chat-$fam.out"
        mnt_expect "$MNT_WORKDIR/chat-$fam.out" '^udp_chat: listening on port 9000$'
        grep -Fxq "$peer: hello over $fam" "$MNT_WORKDIR/chat-$fam.out" ||
            mnt_fail "$fam: 'hello over $fam' did not come back printed as from $peer"
        grep -Fxq "$peer: second line, $fam" "$MNT_WORKDIR/chat-$fam.out" ||
            mnt_fail "$fam: 'second line, $fam' did not come back printed as from $peer"
        mnt_expect "$MNT_WORKDIR/chat-$fam.err" '^udp_chat: sent 2 datagrams$'
        kill -TERM "$MNT_BG_PID" 2> /dev/null || true
        wait "$MNT_BG_PID" 2> /dev/null || true
    done
}

# ---- quick_start -----------------------------------------------------------------------------
test_quick_start() {
    local py=$MNT_WORKDIR/quick_peer.py
    cat > "$py" << 'EOF'
# The quick start's two peers: "serve" answers one HTTP request on 192.168.1.100:80;
# "client" connects to 192.168.1.10:8080 (retrying until the program listens), says hello.
import socket, sys, time
if sys.argv[1] == "serve":
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.168.1.100", 80))
    s.listen(1)
    c, _ = s.accept()
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d:
            break
        req += d
    print("request:", req, flush=True)
    body = b"hello from the kernel's HTTP responder\n"
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
    time.sleep(1)
    c.close()
else:
    deadline = time.time() + 60
    while True:
        try:
            c = socket.create_connection(("192.168.1.10", 8080), timeout=5)
            break
        except OSError as e:
            if time.time() > deadline:
                sys.exit("client: cannot connect: %s" % e)
            time.sleep(0.3)
    c.sendall(b"hello from the kernel client\n")
    c.settimeout(20)
    print("client got:", c.recv(256).decode(), end="", flush=True)
    c.close()
EOF
    mnt_run ip -n "$MNT_NS" tuntap add mode tap name eth0 multi_queue
    mnt_run ip -n "$MNT_NS" link set eth0 address 02:00:00:00:00:01
    mnt_run ip -n "$MNT_NS" addr add 192.168.1.100/24 dev eth0
    mnt_run ip -n "$MNT_NS" link set eth0 up
    mnt_start_bg responder "$PYTHON" "$py" serve
    ex_wait_listen t 80

    # The quick start reads no configuration file: its interface is "eth0" by name.
    mnt_start_program quick_start env -u MULTIOS_NET_CONFIG "$MNT_EXE"
    mnt_start_bg client "$PYTHON" "$py" client
    local client_pid=$MNT_BG_PID
    ex_wait_exit 90
    cat "$MNT_STACK_OUT"
    [[ $EX_RC == 0 ]] || mnt_fail "quick_start exited $EX_RC"
    wait "$client_pid" || mnt_fail "the kernel client failed: $(cat "$MNT_WORKDIR/client.err")"
    mnt_expect "$MNT_WORKDIR/responder.out" "^request: b'GET / HTTP/1.1" "the responder got no GET"
    mnt_expect "$MNT_STACK_OUT" '^quick_start: received [1-9][0-9]* bytes from 192\.168\.1\.100:80'
    mnt_expect "$MNT_STACK_OUT" '^HTTP/1\.1 200 OK' "the HTTP answer was not printed"
    mnt_expect "$MNT_STACK_OUT" '^quick_start: accepted a connection from 192\.168\.1\.100:[0-9]+$'
    mnt_expect "$MNT_STACK_OUT" '^quick_start: the client said: hello from the kernel client$'
    mnt_expect "$MNT_WORKDIR/client.out" '^client got: bye from quick_start$' \
        "the kernel client did not get the program's answer"
}

# ---- ping ------------------------------------------------------------------------------------
test_ping() {
    local fam target
    mnt_precreate_tap
    for fam in v4 v6; do
        if [[ $fam == v4 ]]; then target=$MNT_V4_KERNEL; else target=$MNT_V6_KERNEL; fi
        ex_run "ping-$fam" 0 60 "$target" -c 3 -i 0.2
        cat "$MNT_WORKDIR/ping-$fam.out"
        mnt_expect "$MNT_WORKDIR/ping-$fam.out" "^3 packets transmitted, 3 received, 0% packet loss"
        (($(grep -c "^64 bytes from $target: icmp_seq=" "$MNT_WORKDIR/ping-$fam.out") == 3)) ||
            mnt_fail "$fam: expected 3 reply lines"
    done
    mnt_expect "$MNT_WORKDIR/ping-v4.out" "icmp_seq=1 ttl=64 time="
    ex_run ping-nobody 1 60 "$MNT_V4_UNUSED" -c 2 -i 0.2
    mnt_expect "$MNT_WORKDIR/ping-nobody.out" "^2 packets transmitted, 0 received, 100% packet loss"
}

# ---- echo_server_asio ------------------------------------------------------------------------
test_echo_server_asio() {
    local client_py=$MNT_WORKDIR/echo_clients.py
    cat > "$client_py" << 'EOF'
# 40 clients at once, half over IPv4, half over IPv6: each sends 200 kB (while reading) and
# must get exactly those bytes back. Prints "ok N" with the number that did.
import os, socket, sys, threading
def one(i, results):
    fam, addr = (socket.AF_INET, sys.argv[1]) if i % 2 else (socket.AF_INET6, sys.argv[2])
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect((addr, 7))
    data = os.urandom(200000)
    def send():
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
    t = threading.Thread(target=send)
    t.start()
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    t.join()
    results[i] = got == data
results = {}
threads = [threading.Thread(target=one, args=(i, results)) for i in range(40)]
for t in threads: t.start()
for t in threads: t.join()
print("ok", sum(1 for v in results.values() if v))
EOF
    mnt_start_program server env MULTIOS_NET_CONFIG="$CONFIG" "$MNT_EXE" --port 7
    mnt_wait_iface && mnt_config_kernel
    ex_wait_output "$MNT_STACK_OUT" '^echo_server_asio: echoing on port 7$' 30
    mnt_wait_answers v4 v6
    mnt_ns timeout 120 "$PYTHON" "$client_py" "$MNT_V4_STACK" "$MNT_V6_STACK" \
        > "$MNT_WORKDIR/clients.out" || mnt_fail "the kernel clients failed"
    cat "$MNT_WORKDIR/clients.out"
    mnt_expect "$MNT_WORKDIR/clients.out" '^ok 40$'
    kill -INT "$MNT_STACK_PID"
    ex_wait_exit 30
    [[ $EX_RC == 0 ]] || mnt_fail "echo_server_asio exited $EX_RC after SIGINT"
    mnt_expect "$MNT_STACK_OUT" '^echo_server_asio: 40 connections, 8000000 bytes echoed$'
}

case $PART in
web_server | http_client | udp_chat | quick_start | ping | echo_server_asio) ;;
*)
    echo "usage: $0 web_server|http_client|udp_chat|quick_start|ping|echo_server_asio EXAMPLE-BINARY" >&2
    exit 2
    ;;
esac
mnt_init "ex-${PART//_/-}" "$@"
mnt_require_tool curl sha256sum ss
[[ -x $PYTHON ]] || mnt_fail "needs $PYTHON"
"test_$PART"
mnt_pass
