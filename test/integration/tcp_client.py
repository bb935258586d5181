#!/usr/bin/python3
"""Kernel-side TCP clients for tcp_echo.sh: run inside the test namespace against `serve`.

  tcp_client.py bulk HOST PORT FILE           send FILE through echo, print the sha256 of the
                                              bytes sent and of the bytes received back
  tcp_client.py sequential HOST PORT N        N connections one after another, each echoing a
                                              distinct message and ending with a clean close
  tcp_client.py concurrent HOST PORT N BYTES  N connections open at once, BYTES each way
  tcp_client.py discard HOST PORT BYTES       send BYTES, expect nothing back and a clean close
  tcp_client.py chargen HOST PORT BYTES       read BYTES and check them against RFC 864

Every socket has a timeout; any mismatch, reset or timeout exits 1 with the reason.
"""
import hashlib
import os
import selectors
import socket
import sys
import time

TIMEOUT = 30.0


def fail(msg):
    print(f"tcp_client: FAIL: {msg}", flush=True)
    sys.exit(1)


def connect(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(TIMEOUT)
    s.connect((host, port))
    return s


def recv_until_eof(s, limit):
    """Everything the peer sends until its FIN (at most `limit` bytes)."""
    parts, n = [], 0
    while True:
        b = s.recv(65536)
        if not b:
            return b"".join(parts)
        parts.append(b)
        n += len(b)
        if n > limit:
            fail(f"peer sent more than {limit} bytes")


def bulk(host, port, path):
    """Full duplex: write the file while reading the echo (an echo server that stops reading
    when its send buffer is full would deadlock a client that only writes)."""
    size = os.path.getsize(path)
    s = connect(host, port)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    sent_hash, got_hash = hashlib.sha256(), hashlib.sha256()
    sent = got = 0
    start = time.monotonic()
    last_progress = start
    with open(path, "rb") as f:
        chunk = b""
        writing = True
        while True:
            events = sel.select(timeout=1.0)
            now = time.monotonic()
            if not events and now - last_progress > TIMEOUT:
                fail(f"no progress for {TIMEOUT}s (sent {sent}, received {got} of {size})")
            for _, mask in events:
                if mask & selectors.EVENT_WRITE and writing:
                    if not chunk:
                        chunk = f.read(256 * 1024)
                        if not chunk:
                            s.shutdown(socket.SHUT_WR)
                            writing = False
                            sel.modify(s, selectors.EVENT_READ)
                            continue
                        sent_hash.update(chunk)
                    try:
                        n = s.send(chunk)
                    except BlockingIOError:
                        n = 0
                    chunk = chunk[n:]
                    sent += n
                    last_progress = now
                if mask & selectors.EVENT_READ:
                    try:
                        b = s.recv(1 << 20)
                    except BlockingIOError:
                        continue
                    if not b:
                        elapsed = time.monotonic() - start
                        s.close()
                        print(f"sent {sent} sha256 {sent_hash.hexdigest()}")
                        print(f"received {got} sha256 {got_hash.hexdigest()}")
                        print(f"time {elapsed:.2f} s, {2 * got / elapsed / 1e6:.1f} MB/s both ways")
                        if writing or sent != size:
                            fail(f"echo closed after {sent} of {size} bytes were sent")
                        return 0 if got_hash.digest() == sent_hash.digest() else 1
                    got_hash.update(b)
                    got += len(b)
                    last_progress = now


def echo_once(host, port, msg):
    s = connect(host, port)
    s.sendall(msg)
    s.shutdown(socket.SHUT_WR)
    back = recv_until_eof(s, len(msg))
    s.close()
    if back != msg:
        fail(f"echo returned {len(back)} bytes that differ from the {len(msg)} sent")


def sequential(host, port, n):
    start = time.monotonic()
    for i in range(n):
        echo_once(host, port, f"connection {i} ".encode() * (1 + i % 50))
    print(f"{n} sequential connections in {time.monotonic() - start:.2f} s")
    return 0


def concurrent(host, port, n, size):
    """n connections open together; each writes `size` bytes, half-closes, reads the echo."""
    sel = selectors.DefaultSelector()
    conns = {}
    for i in range(n):
        s = connect(host, port)
        s.setblocking(False)
        data = (f"[{i}]".encode() * (size // 3 + 1))[:size]
        conns[s] = {"data": data, "off": 0, "got": bytearray(), "done": False}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    deadline = time.monotonic() + 4 * TIMEOUT
    left = n
    while left:
        if time.monotonic() > deadline:
            fail(f"{left} of {n} connections did not finish")
        for key, mask in sel.select(timeout=1.0):
            s, st = key.fileobj, conns[key.fileobj]
            if mask & selectors.EVENT_WRITE and st["off"] < len(st["data"]):
                try:
                    st["off"] += s.send(st["data"][st["off"]:st["off"] + 65536])
                except BlockingIOError:
                    pass
                if st["off"] == len(st["data"]):
                    s.shutdown(socket.SHUT_WR)
                    sel.modify(s, selectors.EVENT_READ)
            if mask & selectors.EVENT_READ:
                try:
                    b = s.recv(65536)
                except BlockingIOError:
                    continue
                if b:
                    st["got"] += b
                    continue
                if bytes(st["got"]) != st["data"]:
                    fail(f"a connection got {len(st['got'])} bytes back, not its {size}")
                sel.unregister(s)
                s.close()
                left -= 1
    print(f"{n} concurrent connections echoed {size} bytes each")
    return 0


def discard(host, port, size):
    s = connect(host, port)
    block = b"d" * 65536
    sent = 0
    while sent < size:
        sent += s.send(block[: min(len(block), size - sent)])
    s.shutdown(socket.SHUT_WR)
    back = recv_until_eof(s, 0)
    s.close()
    print(f"discard took {sent} bytes and sent back {len(back)}")
    return 0


def chargen_expected(n):
    printable = bytes(range(32, 127))
    out = bytearray()
    line = 0
    while len(out) < n:
        start = line % 95
        out += (printable[start:] + printable[:start])[:72] + b"\r\n"
        line += 1
    return bytes(out[:n])


def chargen(host, port, size):
    s = connect(host, port)
    got = bytearray()
    while len(got) < size:
        b = s.recv(min(65536, size - len(got)))
        if not b:
            fail(f"chargen closed after {len(got)} bytes")
        got += b
    s.close()
    if bytes(got) != chargen_expected(size):
        fail("chargen stream differs from RFC 864")
    print(f"chargen: {size} bytes as RFC 864 says")
    return 0


def main(argv):
    if len(argv) < 4:
        print(__doc__)
        return 2
    cmd, host, port = argv[1], argv[2], int(argv[3])
    try:
        if cmd == "bulk":
            return bulk(host, port, argv[4])
        if cmd == "sequential":
            return sequential(host, port, int(argv[4]))
        if cmd == "concurrent":
            return concurrent(host, port, int(argv[4]), int(argv[5]))
        if cmd == "discard":
            return discard(host, port, int(argv[4]))
        if cmd == "chargen":
            return chargen(host, port, int(argv[4]))
    except OSError as e:
        fail(f"{cmd} {host} {port}: {e}")
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
