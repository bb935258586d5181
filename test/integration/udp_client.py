#!/usr/bin/python3
"""Kernel-side UDP echo client: sends datagrams of the given sizes (random bytes) and checks
that each comes back unchanged. Exit 0 when all do, 1 otherwise.

Usage: udp_client.py ADDR PORT SIZE...
"""
import os
import socket
import sys

TRIES = 3
TIMEOUT_S = 3.0


def echo_once(sock: socket.socket, addr, payload: bytes) -> bool:
    sock.sendto(payload, addr)
    while True:
        try:
            data, peer = sock.recvfrom(70000)
        except socket.timeout:
            return False
        if data == payload:
            return True
        print(f"  unexpected datagram of {len(data)} bytes from {peer} "
              f"(sent {len(payload)})", flush=True)


def main() -> int:
    host, port, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    addr = (host, port)
    ok = True
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(TIMEOUT_S)
        for size in sizes:
            payload = os.urandom(size)
            good = any(echo_once(sock, addr, payload) for _ in range(TRIES))
            print(f"udp echo {size} bytes to {host}:{port}: {'ok' if good else 'FAILED'}",
                  flush=True)
            ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
