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

#include "frames.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::stack_test {

using Frame = frames::Frame;

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

using frames::eth;
using frames::icmpv4_echo;
using frames::icmpv6_msg;
using frames::ipv4;
using frames::ipv6;
using frames::pattern;
using frames::udp_v4;

inline Frame arp_request(const Ipv4Address& target) {
    return frames::arp_request(kPeerMac, kPeerIp, target);
}

inline Frame arp_reply_from_peer() {
    return frames::arp_reply(kPeerMac, kPeerIp, kStackMac, kStackIp);
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
