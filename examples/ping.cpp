// ping: ICMP echo over a raw socket, the way the classic ping program works. We build each
// echo request ourselves (type, code, checksum, identifier, sequence, a timestamp in the
// payload), send it with send_to, and read replies with recv_from. IPv4 raw sockets hand us
// the IP header too (we read the TTL from it); IPv6 raw sockets give the ICMPv6 message only,
// and the stack fills in the ICMPv6 checksum (it covers a pseudo-header we never see).
//
//   MULTIOS_NET_CONFIG=config/test-net.toml ping 10.99.0.1 -c 3
//
// Exit code 0 when at least one reply came back, 1 otherwise.
#include <multios/net.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>

using namespace multios::net;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    IpAddress target;
    int count = 4;
    double interval_s = 1.0;
    std::size_t size = 56; ///< Payload bytes after the 8-byte ICMP header, as ping's -s.
};

bool parse_args(int argc, char** argv, Options& opt) {
    bool have_target = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-c" && i + 1 < argc) {
            opt.count = std::atoi(argv[++i]);
        } else if (arg == "-i" && i + 1 < argc) {
            opt.interval_s = std::atof(argv[++i]);
        } else if (arg == "-s" && i + 1 < argc) {
            opt.size = static_cast<std::size_t>(std::atoi(argv[++i]));
        } else if (auto a = IpAddress::parse(arg); a && !have_target) {
            opt.target = *a;
            have_target = true;
        } else {
            return false;
        }
    }
    return have_target && opt.count > 0 && opt.interval_s >= 0.01 && opt.size >= 8 &&
           opt.size <= 65000;
}

std::uint16_t get16(const std::byte* p) {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) |
                                      std::to_integer<unsigned>(p[1]));
}

void put16(std::byte* p, std::uint16_t v) {
    p[0] = std::byte(v >> 8);
    p[1] = std::byte(v & 0xff);
}

// An echo request: type 8 (ICMPv4) or 128 (ICMPv6), code 0, checksum, identifier, sequence,
// then the send time so that the reply tells its own round-trip time.
std::vector<std::byte> echo_request(bool v6, std::uint16_t id, std::uint16_t seq,
                                    std::size_t size) {
    std::vector<std::byte> m(8 + size);
    m[0] = std::byte{v6 ? std::uint8_t{128} : std::uint8_t{8}};
    put16(&m[4], id);
    put16(&m[6], seq);
    const auto sent = Clock::now().time_since_epoch().count();
    std::memcpy(&m[8], &sent, sizeof sent);
    for (std::size_t i = 8 + sizeof sent; i < m.size(); ++i)
        m[i] = std::byte(i);
    if (!v6) // ICMPv4: the checksum covers the message alone (RFC 792); ours to compute
        put16(&m[2], wire::internet_checksum(m));
    return m;
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    if (!parse_args(argc, argv, opt)) {
        std::fprintf(stderr, "usage: ping ADDRESS [-c COUNT] [-i SECONDS] [-s SIZE]\n"
                             "       the stack's interfaces come from $MULTIOS_NET_CONFIG\n");
        return 2;
    }
    NetworkStack stack;
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "ping: cannot start the stack: %s\n", r.error().message().c_str());
        return 1;
    }
    const bool v6 = opt.target.is_v6();
    Socket socket(SocketType::Raw, v6 ? 58 : 1); // IPPROTO_ICMPV6 / IPPROTO_ICMP
    socket.set_receive_timeout(std::chrono::milliseconds(100)).value();
    const auto id = static_cast<std::uint16_t>(getpid());
    const SocketAddress to{opt.target, 0};
    std::printf("PING %s: %zu data bytes\n", opt.target.to_string().c_str(), opt.size);

    int sent = 0, received = 0;
    double min_ms = 1e9, max_ms = 0, sum_ms = 0;
    std::array<std::byte, 65536> buf;
    const auto started = Clock::now();
    const auto interval = std::chrono::duration<double>(opt.interval_s);
    for (int seq = 1; seq <= opt.count; ++seq) {
        if (auto r =
                socket.send_to(echo_request(v6, id, static_cast<std::uint16_t>(seq), opt.size), to);
            !r) {
            std::fprintf(stderr, "ping: send: %s\n", r.error().message().c_str());
            return 1;
        }
        ++sent;
        // Read until the next request is due (the last one gets a second more).
        const auto until =
            Clock::now() + (seq == opt.count ? std::chrono::duration<double>(1.0) : interval);
        while (Clock::now() < until) {
            auto got = socket.recv_from(buf);
            if (!got)
                continue; // timeout: look at the clock again
            const auto& [n, from] = *got;
            std::size_t at = 0;
            int ttl = -1;
            if (!v6) { // skip the IPv4 header, reading its length and TTL
                at = (std::to_integer<std::size_t>(buf[0]) & 0x0f) * 4;
                ttl = std::to_integer<int>(buf[8]);
            }
            if (n < at + 8 + sizeof(Clock::rep))
                continue;
            const std::byte* icmp = buf.data() + at;
            const bool reply = std::to_integer<unsigned>(icmp[0]) == (v6 ? 129u : 0u);
            if (!reply || get16(icmp + 4) != id)
                continue; // someone else's ICMP message
            Clock::rep sent_at;
            std::memcpy(&sent_at, icmp + 8, sizeof sent_at);
            const double ms = std::chrono::duration<double, std::milli>(
                                  Clock::now().time_since_epoch() - Clock::duration(sent_at))
                                  .count();
            ++received;
            min_ms = std::min(min_ms, ms);
            max_ms = std::max(max_ms, ms);
            sum_ms += ms;
            std::printf("%zu bytes from %s: icmp_seq=%u", n - at, from.address.to_string().c_str(),
                        static_cast<unsigned>(get16(icmp + 6)));
            if (ttl >= 0)
                std::printf(" ttl=%d", ttl);
            std::printf(" time=%.3f ms\n", ms);
            std::fflush(stdout);
        }
    }
    const double total_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    std::printf("\n--- %s ping statistics ---\n", opt.target.to_string().c_str());
    std::printf("%d packets transmitted, %d received, %d%% packet loss, time %.0fms\n", sent,
                received, sent == 0 ? 0 : (sent - received) * 100 / sent, total_ms);
    if (received > 0)
        std::printf("rtt min/avg/max = %.3f/%.3f/%.3f ms\n", min_ms, sum_ms / received, max_ms);
    return received > 0 ? 0 : 1;
}
