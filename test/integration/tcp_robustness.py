#!/usr/bin/python3
"""TCP attacks on `serve --echo` from the kernel side of the TAP, with scapy (run by
tcp_robustness.sh inside the test namespace, as root, with /usr/bin/python3).

  tcp_robustness.py flood --iface IF --stack-mac MAC --stack IP --port P --count N
      N SYNs from a made-up neighbour (random source ports and sequence numbers) that never
      completes a handshake: the listener's SYN queue overflows and SYN cookies take over.
  tcp_robustness.py inject --iface IF --stack-mac MAC --stack IP --kernel IP --port P
      opens a real kernel connection to the echo port, then injects, as a blind attacker
      who knows the 4-tuple but not the exact sequence numbers would:
        - an in-window RST whose sequence number is not the expected one (RFC 5961 3.2),
        - an in-window SYN (RFC 5961 4.2),
        - data at the right sequence number with an ACK far in the past (RFC 5961 5.2),
        - data at the right sequence number with an old timestamp (PAWS, RFC 7323 5.3).
      Each must be answered by an ACK (challenge ACK / duplicate ACK) and not change the
      connection: afterwards the kernel's own data is echoed intact and nothing injected
      appears in the stream.
"""
import argparse
import random
import socket
import sys
import threading
import time

from scapy.all import (ARP, IP, TCP, AsyncSniffer, Ether, IPv6, conf,  # noqa: E402
                       get_if_hwaddr)

# A neighbour that does not exist: the stack learns its MAC from an ARP request we send in
# its name; the TAP's kernel side ignores frames to that MAC, so SYN-ACKs go nowhere.
FAKE_MAC = "02:00:00:00:00:77"
FAKE_V4 = "10.99.0.77"
BATCH, PAUSE_S = 100, 0.004  # keep the TAP queue from overflowing (drops there prove nothing)
# Payloads of the injected data segments: bytes the kernel client never sends.
INJECTED_ACK = b"\x00injected-old-ack\x00"
INJECTED_PAWS = b"\x00injected-old-ts\x00"


def fail(msg):
    print(f"tcp_robustness: FAIL: {msg}", flush=True)
    sys.exit(1)


def cmd_flood(a):
    sock = conf.L2socket(iface=a.iface)
    sock.send(Ether(src=FAKE_MAC, dst=a.stack_mac) /
              ARP(op=1, hwsrc=FAKE_MAC, psrc=FAKE_V4, hwdst="00:00:00:00:00:00", pdst=a.stack))
    time.sleep(0.2)
    rng = random.Random(5961)
    base = Ether(src=FAKE_MAC, dst=a.stack_mac) / IP(src=FAKE_V4, dst=a.stack)
    start = time.monotonic()
    for i in range(a.count):
        syn = TCP(sport=rng.randrange(1024, 65536), dport=a.port, flags="S",
                  seq=rng.randrange(1 << 32), window=64240, options=[("MSS", 1460)])
        sock.send(base / syn)
        if (i + 1) % BATCH == 0:
            time.sleep(PAUSE_S)
    sock.close()
    print(f"flood: {a.count} SYNs in {time.monotonic() - start:.1f} s", flush=True)
    return 0


class Wire:
    """Every segment of the connection, both directions, as the TAP sees them."""

    def __init__(self, iface, port):
        self.segments = []
        self.lock = threading.Lock()
        self.sniffer = AsyncSniffer(iface=iface, filter=f"tcp port {port}", store=False,
                                    prn=self._add)
        self.sniffer.start()
        time.sleep(0.5)  # the capture socket is open before the first segment

    def _add(self, pkt):
        with self.lock:
            self.segments.append((time.monotonic(), pkt))

    def since(self, t0):
        with self.lock:
            return [p for t, p in self.segments if t >= t0]

    def stop(self):
        self.sniffer.stop()


def ip_layer(pkt):
    return pkt[IP] if IP in pkt else pkt[IPv6]


def ts_option(tcp):
    for name, value in tcp.options:
        if name == "Timestamp":
            return value
    return None


class Conn:
    """The kernel connection and what the stack last said on it."""

    def __init__(self, a, wire):
        self.a, self.wire = a, wire
        self.sock = socket.create_connection((a.stack, a.port), timeout=10)
        self.lport = self.sock.getsockname()[1]
        self.echoed = b""

    def exchange(self, data):
        self.sock.sendall(data)
        got = b""
        while len(got) < len(data):
            b = self.sock.recv(65536)
            if not b:
                fail(f"echo closed the connection after {len(self.echoed) + len(got)} bytes")
            got += b
        self.echoed += got
        if got != data:
            fail(f"echo returned {got[:40]!r}... instead of the {len(data)} bytes sent")
        time.sleep(0.3)  # the last ACKs settle; both sides idle

    def state(self):
        """(stack's SND.NXT, stack's RCV.NXT, stack's last TSval, kernel's last TSval)."""
        from_stack = from_kernel = None
        for p in self.wire.since(0):
            if TCP not in p:
                continue
            t = p[TCP]
            if t.sport == self.a.port and t.dport == self.lport:
                from_stack = p
            elif t.sport == self.lport and t.dport == self.a.port:
                from_kernel = p
        if from_stack is None or from_kernel is None:
            fail("the sniffer saw no segments of the connection")
        t = from_stack[TCP]
        snd_nxt = (t.seq + len(t.payload)) & 0xFFFFFFFF
        ts_s, ts_k = ts_option(t), ts_option(from_kernel[TCP])
        if ts_s is None or ts_k is None:
            fail("timestamps were not negotiated; the PAWS case needs them")
        return snd_nxt, t.ack, ts_s[0], ts_k[0]

    def forge(self, flags, seq, ack, tsval, tsecr, payload=b""):
        a = self.a
        ipl = IP(src=a.kernel, dst=a.stack) if ":" not in a.stack else IPv6(src=a.kernel,
                                                                             dst=a.stack)
        tcp = TCP(sport=self.lport, dport=a.port, flags=flags, seq=seq & 0xFFFFFFFF,
                  ack=ack & 0xFFFFFFFF, window=502,
                  options=[("NOP", None), ("NOP", None), ("Timestamp", (tsval & 0xFFFFFFFF,
                                                                        tsecr))])
        kernel_mac = get_if_hwaddr(a.iface)
        return Ether(src=kernel_mac, dst=a.stack_mac) / ipl / tcp / payload


def acks_from_stack(conn, t0, rcv_nxt):
    """Pure ACKs the stack sent after t0 that acknowledge exactly rcv_nxt."""
    n = 0
    for p in conn.wire.since(t0):
        t = p[TCP]
        if t.sport == conn.a.port and t.dport == conn.lport and t.flags == "A" and \
                t.ack == rcv_nxt and len(t.payload) == 0:
            n += 1
    return n


def resets_from_stack(conn, t0):
    return sum(1 for p in conn.wire.since(t0)
               if p[TCP].sport == conn.a.port and p[TCP].dport == conn.lport and p[TCP].flags.R)


def cmd_inject(a):
    wire = Wire(a.iface, a.port)
    conn = Conn(a, wire)
    conn.exchange(b"before the attack " * 50)
    sock = conf.L2socket(iface=a.iface)
    t_start = time.monotonic()
    failures = []
    for name, make in [
        # RFC 5961 3.2: an in-window RST that is not exactly RCV.NXT gets a challenge ACK.
        ("in-window RST", lambda s, r, tss, tsk: conn.forge("R", r + 1000, 0, tsk + 1, tss)),
        # RFC 5961 4.2: a SYN in a synchronized state gets a challenge ACK, whatever its seq.
        ("in-window SYN", lambda s, r, tss, tsk: conn.forge("S", r + 2000, 0, tsk + 1, tss)),
        # RFC 5961 5.2: data whose ACK lies before SND.UNA - MAX.SND.WND is discarded, ACKed.
        ("data with an old ACK",
         lambda s, r, tss, tsk: conn.forge("PA", r, s - (1 << 30), tsk + 1, tss, INJECTED_ACK * 4)),
        # RFC 7323 5.3: TSval older than TS.Recent: PAWS drops it and sends an ACK.
        ("data with an old timestamp (PAWS)",
         lambda s, r, tss, tsk: conn.forge("PA", r, s, tsk - 100000, tss, INJECTED_PAWS * 4)),
    ]:
        snd_nxt, rcv_nxt, ts_s, ts_k = conn.state()
        t0 = time.monotonic()
        sock.send(make(snd_nxt, rcv_nxt, ts_s, ts_k))
        time.sleep(0.4)
        acks = acks_from_stack(conn, t0, rcv_nxt)
        print(f"inject {name}: stack answered with {acks} ACK(s) of {rcv_nxt}", flush=True)
        if acks < 1:
            failures.append(f"{name}: no challenge/duplicate ACK from the stack")
        # The connection must still work, and the injected bytes must not be in the stream.
        conn.exchange(f"after {name} ".encode() * 20)
        time.sleep(0.7)  # stays under the per-connection challenge ACK rate limit
    sock.close()
    if resets_from_stack(conn, t_start):
        failures.append("the stack reset the connection")
    conn.sock.shutdown(socket.SHUT_WR)
    rest = conn.sock.recv(65536)
    conn.sock.close()
    wire.stop()
    if rest:
        failures.append(f"unexpected bytes after the last exchange: {rest[:40]!r}")
    if INJECTED_ACK in conn.echoed or INJECTED_PAWS in conn.echoed:
        failures.append("injected bytes reached the echo stream")
    for f in failures:
        print(f"tcp_robustness: FAIL: {f}", flush=True)
    if not failures:
        print(f"inject: connection survived, {len(conn.echoed)} bytes echoed intact", flush=True)
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["flood", "inject"])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--stack-mac", required=True)
    ap.add_argument("--stack", required=True)
    ap.add_argument("--kernel")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=20000)
    a = ap.parse_args()
    conf.verb = 0
    if a.command == "flood":
        return cmd_flood(a)
    if not a.kernel:
        ap.error("inject needs --kernel")
    return cmd_inject(a)


if __name__ == "__main__":
    sys.exit(main())
