// A StackCore wired to a recording FrameSink, plus builders for the frames a peer would send.
#pragma once

#include <cstring>
#include <vector>

#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/udp.hpp>

#include "stack/stack_core.hpp"

namespace multios::net::stack_test {

using Frame = std::vector<std::byte>;

class RecordingSink final : public FrameSink {
  public:
    std::span<std::byte> begin_frame(IfIndex ifindex, std::size_t max_len) override {
        if (exhausted)
            return {};
        open_.assign(max_len, std::byte{0});
        open_if_ = ifindex;
        return open_;
    }
    void commit_frame(std::size_t len) override {
        open_.resize(len);
        frames.push_back(open_);
        ifindexes.push_back(open_if_);
    }
    void abort_frame() override { open_.clear(); }

    std::vector<Frame> take() {
        std::vector<Frame> out;
        out.swap(frames);
        ifindexes.clear();
        return out;
    }

    std::vector<Frame> frames;
    std::vector<IfIndex> ifindexes;
    bool exhausted = false;

  private:
    Frame open_;
    IfIndex open_if_ = 0;
};

inline const MacAddress kStackMac{{0x02, 0, 0, 0, 0, 0x02}};
inline const MacAddress kPeerMac{{0x02, 0, 0, 0, 0, 0x01}};
inline const Ipv4Address kStackIp{{10, 0, 0, 2}};
inline const Ipv4Address kPeerIp{{10, 0, 0, 1}};
inline const Ipv6Address kStackIp6 = *Ipv6Address::parse("fd00::2");
inline const Ipv6Address kPeerIp6 = *Ipv6Address::parse("fd00::1");

inline Instant at_ms(std::int64_t ms) {
    return instant_from_ns(ms * 1'000'000);
}

struct Harness {
    RecordingSink sink;
    StackCore stack;
    Instant now = at_ms(1000LL * 3600 * 24 * 30);

    explicit Harness(StackConfig cfg = {}) : stack(cfg, sink) {
        InterfaceConfig ic;
        ic.name = "test0";
        ic.mac = kStackMac;
        ic.addresses = {*IpPrefix::parse("10.0.0.2/24"), *IpPrefix::parse("fd00::2/64")};
        stack.add_interface(ic, now).value();
    }
    void advance_ms(std::int64_t ms) {
        now += std::chrono::milliseconds(ms);
        stack.poll(now);
    }
    /// Lets DAD finish and drops the start-up chatter (gratuitous ARP, DAD NS, RS).
    void settle() {
        for (int i = 0; i < 40; ++i)
            advance_ms(100);
        sink.take();
    }
    void rx(const Frame& f) { stack.receive(0, f, now); }
};

/// Ethernet header + payload.
inline Frame eth(const MacAddress& dst, const MacAddress& src, std::uint16_t type,
                 std::span<const std::byte> payload) {
    Frame f(wire::kEthernetHeaderLen + payload.size());
    wire::emit_ethernet(f, dst, src, type);
    std::memcpy(f.data() + wire::kEthernetHeaderLen, payload.data(), payload.size());
    return f;
}

inline Frame arp_request(const Ipv4Address& target) {
    wire::ArpPacket a;
    a.op = wire::kArpRequest;
    a.sender_mac = kPeerMac;
    a.sender_ip = kPeerIp;
    a.target_ip = target;
    Frame body(wire::kArpLen);
    wire::emit_arp(body, a);
    return eth(MacAddress::broadcast(), kPeerMac, wire::ethertype::kArp, body);
}

inline Frame arp_reply_from_peer() {
    wire::ArpPacket a;
    a.op = wire::kArpReply;
    a.sender_mac = kPeerMac;
    a.sender_ip = kPeerIp;
    a.target_mac = kStackMac;
    a.target_ip = kStackIp;
    Frame body(wire::kArpLen);
    wire::emit_arp(body, a);
    return eth(kStackMac, kPeerMac, wire::ethertype::kArp, body);
}

/// An IPv4 packet (header without options) around `upper`.
inline Frame ipv4(const Ipv4Address& src, const Ipv4Address& dst, std::uint8_t proto,
                  std::span<const std::byte> upper, std::uint16_t id = 1,
                  std::uint16_t frag_offset = 0, bool more = false, std::uint8_t ttl = 64) {
    Frame p(wire::kIpv4MinHeaderLen + upper.size());
    wire::Ipv4HeaderFields h;
    h.total_len = static_cast<std::uint16_t>(p.size());
    h.id = id;
    h.frag_offset = frag_offset;
    h.more_fragments = more;
    h.ttl = ttl;
    h.protocol = proto;
    h.src = src;
    h.dst = dst;
    wire::emit_ipv4(p, h);
    std::memcpy(p.data() + wire::kIpv4MinHeaderLen, upper.data(), upper.size());
    return p;
}

inline Frame ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next,
                  std::span<const std::byte> payload, std::uint8_t hop_limit = 64) {
    Frame p(wire::kIpv6HeaderLen + payload.size());
    wire::Ipv6HeaderFields h;
    h.payload_len = static_cast<std::uint16_t>(payload.size());
    h.next_header = next;
    h.hop_limit = hop_limit;
    h.src = src;
    h.dst = dst;
    wire::emit_ipv6(p, h);
    std::memcpy(p.data() + wire::kIpv6HeaderLen, payload.data(), payload.size());
    return p;
}

inline Frame pattern(std::size_t n) {
    Frame d(n);
    for (std::size_t i = 0; i < n; ++i)
        d[i] = static_cast<std::byte>((i * 7 + 3) & 0xff);
    return d;
}

inline Frame icmpv4_echo(std::uint16_t id, std::uint16_t seq, std::span<const std::byte> data) {
    Frame m(wire::kIcmpHeaderLen + data.size());
    std::memcpy(m.data() + wire::kIcmpHeaderLen, data.data(), data.size());
    wire::emit_icmpv4(m, wire::icmpv4::kEchoRequest, 0, (std::uint32_t{id} << 16) | seq);
    return m;
}

inline Frame icmpv6_msg(std::uint8_t type, std::uint32_t rest, std::span<const std::byte> body,
                        const Ipv6Address& src, const Ipv6Address& dst) {
    Frame m(wire::kIcmpHeaderLen + body.size());
    std::memcpy(m.data() + wire::kIcmpHeaderLen, body.data(), body.size());
    wire::emit_icmpv6(m, type, 0, rest, src, dst);
    return m;
}

inline Frame udp_v4(std::uint16_t sport, std::uint16_t dport, std::span<const std::byte> data,
                    const Ipv4Address& src, const Ipv4Address& dst) {
    Frame m(wire::kUdpHeaderLen + data.size());
    std::memcpy(m.data() + wire::kUdpHeaderLen, data.data(), data.size());
    wire::emit_udp_v4(m, sport, dport, src, dst);
    return m;
}

/// Parses a frame the stack sent as Ethernet + IPv4.
inline wire::Ipv4Packet parse_v4_frame(const Frame& f) {
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(f, e) == wire::ParseError::Ok);
    REQUIRE(e.ethertype == wire::ethertype::kIpv4);
    wire::Ipv4Packet ip;
    REQUIRE(wire::parse_ipv4(e.payload, ip) == wire::ParseError::Ok);
    return ip;
}

inline wire::Ipv6Packet parse_v6_frame(const Frame& f) {
    wire::EthernetFrame e;
    REQUIRE(wire::parse_ethernet(f, e) == wire::ParseError::Ok);
    REQUIRE(e.ethertype == wire::ethertype::kIpv6);
    wire::Ipv6Packet ip;
    REQUIRE(wire::parse_ipv6(e.payload, ip) == wire::ParseError::Ok);
    return ip;
}

} // namespace multios::net::stack_test
