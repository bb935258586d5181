#include "help.hpp"

#include <fmt/format.h>

namespace multios::net::cli {

namespace {

// Commands are listed here only once they are implemented.
constexpr const char* kTopLevel =
    R"(Usage: multios-net [GLOBAL OPTIONS] [--vdev SPEC [PORT OPTIONS]]... COMMAND [COMMAND OPTIONS] [ARGS]

A userspace TCP/IP stack on DPDK. Each run starts its own DPDK ports and answers on them.

Commands:
  serve            answer ARP/NDP/ping and serve UDP echo and TCP echo/discard/chargen/HTTP
                   until SIGINT/SIGTERM, then print counters
  ping DEST        send ICMP echo requests from the stack, output like iputils ping
  get URL          fetch an http:// URL with the stack's HTTP/1.1 client
  load URL         HTTP/1.1 load generator (keep-alive connections, like wrk)
  demo             a self-contained run that shows the stack working (as root)
  simulate FILE    run a simulated network from a scenario file (no DPDK, no root)
  help [COMMAND]   show this help, or the help of COMMAND

Ports (the first port is `{vdev}` unless --vdev names another):
  --vdev SPEC        add a DPDK virtual device port, e.g. net_tap0,iface=mnet0 (repeatable);
                     the port options after it apply to that port
  --ip ADDR/PREFIX   address of the port, IPv4 or IPv6 (repeatable), e.g. 10.0.0.2/24, fd00::2/64
  --mac MAC          MAC address of the port, e.g. 02:00:00:00:00:02
  --mtu N            MTU of the port, {min_mtu}..{max_mtu} ({min_mtu6} or more with IPv6 addresses)
  --loss P, --delay MS, --reorder P
                     impairments on the port: loss fraction (drawn for rx and tx), one-way
                     delay in each direction, fraction held back behind the next packet
  Port options written before any --vdev apply to the first port.

Global options (once each; before the command):
  --gateway ADDR     default gateway (once per address family)
  --pcap FILE        capture every port's rx and tx to FILE (pcapng; read with tshark -r FILE)
  --seed N           seed for IP IDs, hash keys and impairment draws: repeatable runs
  --lcores N         polling lcores including the main one (default 1); each owns one rx and
                     one tx queue per port and the flows that hash to it
  --eal "ARGS"       extra DPDK EAL arguments (not -l/--lcores: use --lcores)
  --config FILE      stack configuration (TOML, docs/config.md); options on the command
                     line override the file's
  -h, --help         show this help

Exit status: 0 success, 1 the operation failed (e.g. no ping reply), 2 usage error.
Run `multios-net COMMAND --help` for the options of a command.
)";

constexpr const char* kServe =
    R"(Usage: multios-net [GLOBAL/PORT OPTIONS] serve [--udp-echo PORT]... [--udp-sink PORT]...
         [--echo PORT]... [--discard PORT]... [--chargen PORT]... [--http PORT --root DIR]

Bring the ports up and answer ARP, NDP and ping (IPv4 and IPv6, fragmented or not) and the
services below until SIGINT or SIGTERM, then print the counters (packets, drops by reason,
reassembly, TCP) and exit 0. SIGUSR1 prints the same report without stopping. TCP services
listen on every address of the stack, IPv4 and IPv6.

Options:
  --udp-echo PORT    echo every UDP datagram received on PORT back to its sender (repeatable)
  --udp-sink PORT    count every UDP datagram received on PORT and drop it (repeatable)
  --echo PORT        TCP echo (RFC 862): send back every byte received; after the peer's FIN,
                     finish echoing, then close (repeatable)
  --discard PORT     TCP discard (RFC 863): read and count every byte, send nothing (repeatable)
  --chargen PORT     TCP character generator (RFC 864): send 72-character lines of rotating
                     printable ASCII until the peer closes (repeatable)
  --http PORT        HTTP/1.1 static file server (GET, HEAD, keep-alive); needs --root
  --root DIR         the directory --http serves
  -h, --help         show this help

A port carries one TCP and one UDP service at most (e.g. --echo 7 --udp-echo 7).

Every lcore (--lcores) listens on every port; a connection stays on the lcore that owns
its flow. Report: the packet counters summed over lcores, one line per lcore
  lcore N: flows=F rx=R tx=T steered_in=I steered_out=O opened=C not_owner=X ...
(F: TCP connections held now, in every state; I/O: frames handed between lcores by
software steering; C: connections it ever owned), one line per UDP service
  udp echo port P: datagrams=D bytes=B not_sent=N   (udp sink: datagrams=D bytes=B)
a `tcp:` line of stack-wide TCP counters, one line per TCP service, and one line per live TCP
connection in the style of `ss -ti` (addresses, state, cwnd, rtt, retransmissions, bytes; at
most 256 lines).

Example:
  multios-net --vdev net_tap0,iface=mnet0 --ip 10.0.0.2/24 --ip fd00::2/64 serve --udp-echo 7 \
      --echo 7 --discard 9 --chargen 19 --http 80 --root /srv/www
)";

constexpr const char* kGet =
    R"(Usage: multios-net [GLOBAL/PORT OPTIONS] get URL [-o FILE] [-P N]

Fetch URL with an HTTP/1.1 GET over the stack's TCP. URL is http://HOST[:PORT][/PATH] where
HOST is a numeric IPv4 address or an IPv6 address in brackets (no DNS), e.g.
http://10.0.0.1:8000/file or http://[fd00::1]/. The body goes to FILE, or to stdout without -o;
the status line and a summary (bytes, time, throughput) go to stderr. Options may come before
or after URL.

Options:
  -o FILE       write the body to FILE instead of stdout
  -P, --parallel N
                run N GETs of URL at once, 1..{max_parallel} (default 1), connection i on lcore
                i mod L (L from --lcores). Only the first one's body is written and its status
                line printed; the others are checked (2xx, complete body) and discarded. With
                N > 1 the summary adds one line
                  parallel: N transfers on L lcores: ok=K failed=F bytes=B in S s (X MB/s)
                and per lcore the runtime's `lcore I: flows=...` line (see serve --help)
                followed by ` transfers=T ok=K bytes=B`
  -h, --help    show this help

Exit status: 0 success (with -P: every transfer succeeded), 1 a transfer failed (no
connection, connection reset, HTTP error status), 2 usage error.

Examples:
  multios-net --ip 10.0.0.2/24 get http://10.0.0.1:8000/big.bin -o big.bin
  multios-net --lcores 2 --ip 10.0.0.2/24 get http://10.0.0.1:8000/big.bin -o big.bin -P 8
)";

constexpr const char* kLoad =
    R"(Usage: multios-net [GLOBAL/PORT OPTIONS] load URL [-c CONNECTIONS] [-d SECONDS] [-n REQUESTS]

Load an HTTP server from the stack's TCP, as wrk does: CONNECTIONS keep-alive HTTP/1.1
connections each send `GET` for URL back to back (one request outstanding per connection),
read every response in full (status, fields, Content-Length or chunked body) and record the
time from sending the request to its last byte. URL is as for `get` (numeric host, no DNS).
A server that closes after a response (Connection: close, HTTP/1.0) is reconnected to; a
failed request (refused, reset, timed out after 10 s, malformed, status outside 2xx) is
counted and its connection reopened. Options may come before or after URL.

Options:
  -c, --connections N   connections, 1..{max_conns} (default 10); connection i runs on lcore
                        i mod L (L from --lcores)
  -d, --duration S      stop after S seconds (above 0, at most {max_secs}); requests still in
                        flight then are not counted
  -n, --requests N      stop after N requests (shared out over the lcores like connections)
                        Neither -d nor -n: 10 seconds; both: whichever comes first.
  -h, --help            show this help

Report (stdout):
  load URL: C connections on L lcores, S s
  requests: ok=K errors=E (connect=. closed=. timeout=. status=. protocol=.) reconnects=R
  rate: X requests/s, Y MB/s (B bytes)
  latency: p50=...us p90=...us p99=...us max=...us mean=...us
then, with several lcores, the runtime's `lcore I: flows=...` line per lcore (see serve --help)
followed by ` connections=C ok=K`. Latencies come from a log-linear histogram (about 3 %
resolution); MB is 10^6 bytes of responses (heads and bodies).

Exit status: 0 every request succeeded and at least one completed, 1 otherwise, 2 usage error.

Example:
  multios-net --ip 10.0.0.2/24 load http://10.0.0.1:8080/f600 -c 50 -d 10
)";

constexpr const char* kPing =
    R"(Usage: multios-net [GLOBAL/PORT OPTIONS] ping DEST [-c N] [-s SIZE] [-i SECONDS] [-t TTL] [-W SECONDS]

Send ICMP (or ICMPv6) echo requests from the stack to DEST, a numeric IPv4 or IPv6 address,
and print one line per reply and a summary, as iputils ping does. Options may come before or
after DEST.

Options:
  -c N          stop after N requests (default: until SIGINT)
  -s SIZE       payload bytes per request, 0..{max4} (IPv6: 0..{max6}; default 56); larger than
                the MTU means fragmented
  -i SECONDS    interval between requests (default 1)
  -t TTL        IPv4 TTL or IPv6 hop limit, 1..255 (default 64)
  -W SECONDS    how long to wait for a reply (default 10)
  -h, --help    show this help

Exit status: 0 if any reply arrived, 1 if none did, 2 on a usage error.

Example:
  multios-net --ip 10.0.0.2/24 ping 10.0.0.1 -c 3
)";

constexpr const char* kDemo = R"(Usage: multios-net demo

A self-contained run that needs nothing but the build (run it as root): it starts the stack
on a private test network that it sets up and removes itself, exchanges traffic with it and
explains in words what happened at each step.

Options:
  -h, --help    show this help
)";

constexpr const char* kSimulate =
    R"(Usage: multios-net simulate SCENARIO [--seed N] [--out DIR] [--duration S] [--no-plots]

Runs the network a scenario file describes (hosts, links with delay, rate, queue, loss,
reordering, ... and applications: ping, tcp_bulk, udp_cbr) on simulated time: the real stack
code on virtual links, no DPDK, no root, much faster than real time, and the same output for
the same seed. Format: docs/simulator.md; examples in examples/scenarios/.

Options:
  --seed N        seed of every random draw (default: the file's [simulation] seed)
  --out DIR       write DIR/<link>.pcap (tshark -r), DIR/flows.csv, DIR/links.csv,
                  DIR/summary.txt and PNG plots of them (created if missing; default: no
                  files, summary only)
  --duration S    simulated seconds (default: the file's [simulation] duration; at most {max})
  --no-plots      with --out: skip DIR/throughput.png, DIR/cwnd.png and DIR/queue.png (drawn
                  by multios-sim-plot with python3-matplotlib; if that fails, a warning only)
  -h, --help      show this help

Prints a summary table (per flow: goodput; per link: drops). Exit status: 0 done, 1 the run
failed (e.g. DIR not writable), 2 a usage error or a bad scenario file (the message names the
file, line and key).

Example:
  multios-net simulate examples/scenarios/slow_start.toml --out /tmp/slow --seed 7
)";

} // namespace

std::string top_level_help() {
    return fmt::format(kTopLevel, fmt::arg("vdev", kDefaultVdev), fmt::arg("min_mtu", kMinMtu),
                       fmt::arg("max_mtu", kMaxMtu), fmt::arg("min_mtu6", kMinMtuV6));
}

std::string command_help(Command c) {
    switch (c) {
    case Command::Serve:
        return kServe;
    case Command::Ping:
        return fmt::format(kPing, fmt::arg("max4", kMaxPingSizeV4),
                           fmt::arg("max6", kMaxPingSizeV6));
    case Command::Demo:
        return kDemo;
    case Command::Get:
        return fmt::format(kGet, fmt::arg("max_parallel", kMaxGetParallel));
    case Command::Simulate:
        return fmt::format(kSimulate, fmt::arg("max", kMaxSimulateSeconds));
    case Command::Load:
        return fmt::format(kLoad, fmt::arg("max_conns", kMaxLoadConnections),
                           fmt::arg("max_secs", kMaxLoadSeconds));
    }
    return top_level_help();
}

std::string see_help(std::optional<Command> c) {
    if (c)
        return fmt::format("(see {} {} --help)", kProgramName, to_string(*c));
    return fmt::format("(see {} --help)", kProgramName);
}

} // namespace multios::net::cli
