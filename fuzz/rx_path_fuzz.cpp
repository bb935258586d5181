// Fuzz target: the whole receive path of StackCore, from Ethernet up to ICMP/UDP/NDP and the
// replies it sends (HARDENING rows 1-5, 9, 10, 21, 23 through the real demux rather than one
// parser at a time). Multi-packet state (ARP/NDP caches, reassembly, timers) is reached by
// feeding several frames per input with time passing between them.
//
// Input: one set-up byte, then records, repeated until the input ends:
//   [setup] ([time][len_hi][len_lo][len bytes of Ethernet frame])*
// `setup` bit 0 binds UDP port 7 (any address, both families) and echoes what arrives; bit 1
// sends one ping each to 10.0.0.1 and fd00::1 (id 0x1234, seq 1) so replies have a match. The
// socket is optional because udp_open() allocates and clears a 4 MiB ring, which would cut the
// rate to ~100 inputs/s if every input paid for it. Bit 2 rewrites, in each untagged frame,
// the IPv4 header checksum and the ICMP/ICMPv6/UDP checksum of unfragmented packets without
// IPv6 extension headers, so that mutations get past the checks (HARDENING row 9).
// `time` advances the clock before the frame: count = bits 0-5, unit = bits 6-7 (1 ms, 100 ms,
// 1 s, 10 s), so up to 630 s per record reaches the reassembly (30/60 s) and neighbor timers;
// when it is non-zero the stack is also polled. A record longer than what is left is cut short.
//
// The stack: interface 0 with MAC 02:00:00:00:00:02, 10.0.0.2/24 and fd00::2/64 (DAD finished
// before the first record). A fresh StackCore per input keeps runs independent (and crashes
// reproducible). Every frame the stack sends must parse back (Ethernet, ARP, IPv4/IPv6 and,
// when unfragmented, ICMP/UDP checksums) and fit the MTU; reassembly must stay under its cap and
// be empty once every timeout has passed.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <memory>

#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/udp.hpp>

#include "fuzz_util.hpp"
#include "stack/stack_core.hpp"

using namespace multios::net;

namespace {

const MacAddress kStackMac{{0x02, 0, 0, 0, 0, 0x02}};
const Ipv4Address kStackIp{{10, 0, 0, 2}};
constexpr std::uint16_t kMtu = 1500;
constexpr std::size_t kMaxRecords = 256;    ///< Bounds the work per input.
constexpr std::size_t kEchoCopyMax = 65536; ///< Largest UDP payload echoed back.
constexpr std::uint8_t kSetupUdpEcho = 0x01;
constexpr std::uint8_t kSetupPing = 0x02;
constexpr std::uint8_t kSetupFixChecksums = 0x04;

/// Checks that an IPv4 packet the stack sent is valid, with a correct ICMP/UDP checksum when
/// it is not a fragment.
void check_sent_ipv4(wire::Bytes payload) {
    wire::Ipv4Packet ip;
    MULTIOS_FUZZ_CHECK(wire::parse_ipv4(payload, ip) == wire::ParseError::Ok);
    MULTIOS_FUZZ_CHECK(ip.total_len <= kMtu);
    MULTIOS_FUZZ_CHECK(ip.src == kStackIp); // Never a broadcast or someone else's address.
    if (ip.is_fragment()) {
        return;
    }
    if (ip.protocol == wire::ipproto::kIcmp) {
        wire::IcmpMessage m;
        MULTIOS_FUZZ_CHECK(wire::parse_icmpv4(ip.payload, m) == wire::ParseError::Ok);
    } else if (ip.protocol == wire::ipproto::kUdp) {
        wire::UdpDatagram d;
        MULTIOS_FUZZ_CHECK(wire::parse_udp_v4(ip.payload, ip.src, ip.dst, d) ==
                           wire::ParseError::Ok);
    }
}

void check_sent_ipv6(wire::Bytes payload) {
    wire::Ipv6Packet ip;
    MULTIOS_FUZZ_CHECK(wire::parse_ipv6(payload, ip) == wire::ParseError::Ok);
    MULTIOS_FUZZ_CHECK(wire::kIpv6HeaderLen + ip.payload.size() <= kMtu);
    if (ip.next_header == wire::ipproto::kIcmpv6) {
        wire::IcmpMessage m;
        MULTIOS_FUZZ_CHECK(wire::parse_icmpv6(ip.payload, ip.src, ip.dst, m) ==
                           wire::ParseError::Ok);
    } else if (ip.next_header == wire::ipproto::kUdp) {
        wire::UdpDatagram d;
        MULTIOS_FUZZ_CHECK(wire::parse_udp_v6(ip.payload, ip.src, ip.dst, d) ==
                           wire::ParseError::Ok);
    }
}

/// Discards what the stack sends, after checking the FrameSink contract and parsing it back.
/// Each frame gets a heap block of exactly `max_len` bytes so ASan sees a write past it.
class CheckingSink final : public FrameSink {
  public:
    std::span<std::byte> begin_frame(IfIndex ifindex, std::size_t max_len) override {
        MULTIOS_FUZZ_CHECK(!open_);
        MULTIOS_FUZZ_CHECK(ifindex == 0);
        MULTIOS_FUZZ_CHECK(max_len <= 65536 + 64);
        buf_ = std::make_unique<std::byte[]>(max_len);
        max_len_ = max_len;
        open_ = true;
        return {buf_.get(), max_len};
    }
    void commit_frame(std::size_t len) override {
        MULTIOS_FUZZ_CHECK(open_ && len <= max_len_);
        open_ = false;
        check_frame(wire::Bytes(buf_.get(), len));
        buf_.reset();
    }
    void abort_frame() override {
        MULTIOS_FUZZ_CHECK(open_);
        open_ = false;
        buf_.reset();
    }

  private:
    static void check_frame(wire::Bytes frame) {
        wire::EthernetFrame eth;
        MULTIOS_FUZZ_CHECK(wire::parse_ethernet(frame, eth) == wire::ParseError::Ok);
        MULTIOS_FUZZ_CHECK(eth.src == kStackMac);
        MULTIOS_FUZZ_CHECK(eth.payload.size() <= kMtu);
        switch (eth.ethertype) {
        case wire::ethertype::kArp: {
            wire::ArpPacket a;
            MULTIOS_FUZZ_CHECK(wire::parse_arp(eth.payload, a) == wire::ParseError::Ok);
            break;
        }
        case wire::ethertype::kIpv4:
            check_sent_ipv4(eth.payload);
            break;
        case wire::ethertype::kIpv6:
            check_sent_ipv6(eth.payload);
            break;
        default:
            MULTIOS_FUZZ_CHECK(false); // The stack sends nothing else.
        }
    }

    std::unique_ptr<std::byte[]> buf_;
    std::size_t max_len_ = 0;
    bool open_ = false;
};

/// Stores the checksum of `len` bytes at `off` (`acc` holds any pseudo-header) at `off + field`.
void rewrite_checksum(std::vector<std::byte>& f, std::size_t off, std::size_t len,
                      std::size_t field, wire::ChecksumAccumulator acc) {
    if (field + 2 > len) {
        return;
    }
    wire::store_be16(f.data() + off + field, 0);
    acc.add(wire::Bytes(f.data() + off, len));
    wire::store_be16(f.data() + off + field, acc.finish());
}

/// UDP checksums cover the UDP length field's bytes, not what the IP layer says.
std::size_t udp_covered(const std::vector<std::byte>& f, std::size_t off, std::size_t avail) {
    if (avail < wire::kUdpHeaderLen) {
        return 0;
    }
    return std::min<std::size_t>(wire::load_be16(f.data() + off + 4), avail);
}

void fix_ipv4_checksums(std::vector<std::byte>& f) {
    constexpr std::size_t ip = wire::kEthernetHeaderLen;
    const std::size_t ihl = (wire::load8(f.data() + ip) & 0x0fu) * 4u;
    if (ihl < wire::kIpv4MinHeaderLen || ip + ihl > f.size()) {
        return;
    }
    rewrite_checksum(f, ip, ihl, 10, {});
    const std::size_t total = wire::load_be16(f.data() + ip + 2);
    const bool fragment = (wire::load_be16(f.data() + ip + 6) & 0x3fffu) != 0;
    if (fragment || total < ihl) {
        return;
    }
    const std::size_t l4 = ip + ihl;
    const std::size_t avail = std::min(total - ihl, f.size() - l4);
    const std::uint8_t proto = wire::load8(f.data() + ip + 9);
    if (proto == wire::ipproto::kIcmp) {
        rewrite_checksum(f, l4, avail, 2, {});
    } else if (proto == wire::ipproto::kUdp) {
        Ipv4Address src, dst;
        std::memcpy(src.bytes.data(), f.data() + ip + 12, 4);
        std::memcpy(dst.bytes.data(), f.data() + ip + 16, 4);
        const std::size_t len = udp_covered(f, l4, avail);
        rewrite_checksum(f, l4, len, 6,
                         wire::pseudo_header_v4(src, dst, proto, static_cast<std::uint32_t>(len)));
    }
}

void fix_ipv6_checksums(std::vector<std::byte>& f) {
    constexpr std::size_t ip = wire::kEthernetHeaderLen;
    constexpr std::size_t l4 = ip + wire::kIpv6HeaderLen;
    if (f.size() < l4) {
        return;
    }
    const std::size_t avail =
        std::min<std::size_t>(wire::load_be16(f.data() + ip + 4), f.size() - l4);
    const std::uint8_t next = wire::load8(f.data() + ip + 6);
    Ipv6Address src, dst;
    std::memcpy(src.bytes.data(), f.data() + ip + 8, 16);
    std::memcpy(dst.bytes.data(), f.data() + ip + 24, 16);
    const std::size_t len = next == wire::ipproto::kUdp ? udp_covered(f, l4, avail) : avail;
    if (next == wire::ipproto::kIcmpv6 || next == wire::ipproto::kUdp) {
        rewrite_checksum(f, l4, len, next == wire::ipproto::kUdp ? 6 : 2,
                         wire::pseudo_header_v6(src, dst, next, static_cast<std::uint32_t>(len)));
    }
}

void fix_checksums(std::vector<std::byte>& f) {
    if (f.size() < wire::kEthernetHeaderLen) {
        return;
    }
    const std::uint16_t type = wire::load_be16(f.data() + 12);
    if (type == wire::ethertype::kIpv4) {
        fix_ipv4_checksums(f);
    } else if (type == wire::ethertype::kIpv6) {
        fix_ipv6_checksums(f);
    }
}

/// Clock advance encoded in a record's first byte (see the file comment).
Duration advance_for(std::uint8_t b) {
    static constexpr std::array<Duration, 4> kUnit = {
        std::chrono::milliseconds(1), std::chrono::milliseconds(100), std::chrono::seconds(1),
        std::chrono::seconds(10)};
    return kUnit[b >> 6] * (b & 0x3f);
}

struct Rig {
    CheckingSink sink;
    StackCore stack;
    Instant now = instant_from_ns(1'000'000'000'000);
    std::optional<UdpSocketId> udp;
    bool fix = false;

    static StackConfig config() {
        StackConfig c;
        // Small caps so that inputs can reach them (HARDENING rows 1-3).
        c.reassembly_buffer_cap = 32;
        c.udp_queue_datagrams = 8;
        return c;
    }

    explicit Rig(std::uint8_t setup) : stack(config(), sink) {
        InterfaceConfig ic;
        ic.name = "fuzz0";
        ic.mac = kStackMac;
        ic.mtu = kMtu;
        ic.addresses = {*IpPrefix::parse("10.0.0.2/24"), *IpPrefix::parse("fd00::2/64")};
        MULTIOS_FUZZ_CHECK(stack.add_interface(ic, now).has_value());
        for (int i = 0; i < 30; ++i) { // DAD (RFC 4862 5.4) ends within 3 s.
            now += std::chrono::milliseconds(100);
            stack.poll(now);
        }
        fix = (setup & kSetupFixChecksums) != 0;
        if ((setup & kSetupUdpEcho) != 0) {
            // The unspecified IPv4 address binds the port for both families.
            auto s = stack.udp_open(IpAddress{Ipv4Address{}}, 7);
            MULTIOS_FUZZ_CHECK(s.has_value());
            udp = *s;
        }
        if ((setup & kSetupPing) != 0) {
            (void)stack.ping_send(*IpAddress::parse("10.0.0.1"), 0x1234, 1, 56, 64, now);
            (void)stack.ping_send(*IpAddress::parse("fd00::1"), 0x1234, 1, 56, 64, now);
        }
    }

    void echo_udp() {
        if (!udp) {
            return;
        }
        // Replies go out after draining: copy each datagram, as an application would.
        struct Pending {
            IpAddress to;
            std::uint16_t port;
            std::vector<std::byte> data;
        };
        std::vector<Pending> pending;
        stack.udp_drain(*udp, [&](const UdpDatagramView& d) {
            MULTIOS_FUZZ_CHECK(d.payload.size() <= kEchoCopyMax);
            pending.push_back({d.src, d.src_port, {d.payload.begin(), d.payload.end()}});
        });
        for (const auto& p : pending) {
            (void)stack.udp_send_to(*udp, p.to, p.port, p.data, now);
        }
    }

    void step(std::uint8_t time, wire::Bytes frame_bytes) {
        const Duration adv = advance_for(time);
        if (adv.count() != 0) {
            now += adv;
            stack.poll(now);
        }
        // An exact-size heap copy: ASan reports any read past the frame.
        std::vector<std::byte> frame(frame_bytes.begin(), frame_bytes.end());
        if (fix) {
            fix_checksums(frame);
        }
        stack.receive(0, frame, now);
        echo_udp();
        (void)stack.ping_take_replies();
        (void)stack.ping_take_errors();
        MULTIOS_FUZZ_CHECK(stack.reassembly_buffers_in_use() <= stack.reassembly_buffer_cap());
    }

    /// Lets every timer expire: reassembly (60 s at most) must then hold nothing.
    void finish() {
        for (int i = 0; i < 4; ++i) {
            now += std::chrono::seconds(61);
            stack.poll(now);
        }
        MULTIOS_FUZZ_CHECK(stack.reassembly_buffers_in_use() == 0);
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    Rig rig(data[0]);
    const wire::Bytes in = wire::as_bytes(data, size);
    std::size_t pos = 1;
    for (std::size_t n = 0; n < kMaxRecords && pos + 3 <= in.size(); ++n) {
        const std::uint8_t time = wire::load8(in.data() + pos);
        const std::size_t len = wire::load_be16(in.data() + pos + 1);
        pos += 3;
        const std::size_t take = std::min(len, in.size() - pos);
        rig.step(time, in.subspan(pos, take));
        pos += take;
    }
    rig.finish();
    return 0;
}
