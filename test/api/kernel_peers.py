#!/usr/bin/env python3
"""Kernel-side peers of the socket API tests (test/integration/socket_api.sh), IPv4 and IPv6:

  TCP 7   echo (a thread per connection; closes after the client's FIN)
  TCP 9   sink: reads and discards
  TCP 10  no-read: accepts and never reads (fills the stack's send window)
  TCP 12  delayed-ACK sink: reads and discards with TCP_QUICKACK off (the kernel delays its
          ACKs, so a sender's Nagle algorithm has unacknowledged data to wait for)
  TCP 11  reset reporter: one connection at a time; writes "RESET <peer port>" or
          "EOF <peer port>" to LOG (argument 1) when it ends
  UDP 7   echo; a datagram "ttl?" is answered with "ttl=N", the IP TTL / hop limit it
          arrived with (IP_RECVTTL / IPV6_RECVHOPLIMIT)

Prints "ready" once every socket listens. Runs until killed.
"""
import socket
import struct
import sys
import threading

IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_TTL = socket.IP_TTL
IPV6_RECVHOPLIMIT = getattr(socket, "IPV6_RECVHOPLIMIT", 51)
IPV6_HOPLIMIT = getattr(socket, "IPV6_HOPLIMIT", 52)

log_lock = threading.Lock()


def listeners(port, kind=socket.SOCK_STREAM):
    """One IPv4 and one IPv6-only socket on `port`."""
    out = []
    for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(family, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        if kind == socket.SOCK_STREAM:
            s.listen(128)
        out.append(s)
    return out


def serve_forever(listener, handle):
    while True:
        conn, peer = listener.accept()
        threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


def echo(conn, _peer):
    with conn:
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    return
                conn.sendall(data)
        except OSError:
            return


def sink(conn, _peer):
    with conn:
        try:
            while conn.recv(65536):
                pass
        except OSError:
            return


def delayed_ack_sink(conn, _peer):
    with conn:
        try:
            while True:
                # Quick-ACK mode ends and is re-entered by the kernel; turn it off each time.
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 0)
                if not conn.recv(65536):
                    return
        except OSError:
            return


held = []


def no_read(conn, _peer):
    # Keep the connection open without ever reading; bounded so a runaway test cannot pile up.
    held.append(conn)
    while len(held) > 64:
        held.pop(0).close()


def reset_reporter(listener, log_path):
    while True:
        conn, peer = listener.accept()
        word = "EOF"
        try:
            while conn.recv(65536):
                pass
        except ConnectionResetError:
            word = "RESET"
        except OSError:
            word = "ERROR"
        conn.close()
        with log_lock, open(log_path, "a") as log:
            log.write(f"{word} {peer[1]}\n")


def udp_echo(s, is_v6):
    level, opt = (socket.IPPROTO_IPV6, IPV6_HOPLIMIT) if is_v6 else (socket.IPPROTO_IP, IP_TTL)
    while True:
        data, anc, _flags, peer = s.recvmsg(65536, socket.CMSG_SPACE(4))
        if data == b"ttl?":
            ttl = -1
            for cmsg_level, cmsg_type, cmsg_data in anc:
                if cmsg_level == level and cmsg_type in (opt, IP_RECVTTL):
                    ttl = struct.unpack("i", cmsg_data[:4])[0] if len(cmsg_data) >= 4 else cmsg_data[0]
            data = f"ttl={ttl}".encode()
        s.sendto(data, peer)


def main():
    log_path = sys.argv[1]
    open(log_path, "w").close()
    threads = []
    for listener in listeners(7):
        threads.append(threading.Thread(target=serve_forever, args=(listener, echo)))
    for listener in listeners(9):
        threads.append(threading.Thread(target=serve_forever, args=(listener, sink)))
    for listener in listeners(10):
        threads.append(threading.Thread(target=serve_forever, args=(listener, no_read)))
    for listener in listeners(12):
        threads.append(threading.Thread(target=serve_forever, args=(listener, delayed_ack_sink)))
    for listener in listeners(11):
        threads.append(threading.Thread(target=reset_reporter, args=(listener, log_path)))
    u4, u6 = listeners(7, socket.SOCK_DGRAM)
    u4.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    u6.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1)
    threads.append(threading.Thread(target=udp_echo, args=(u4, False)))
    threads.append(threading.Thread(target=udp_echo, args=(u6, True)))
    for t in threads:
        t.daemon = True
        t.start()
    print("ready", flush=True)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
