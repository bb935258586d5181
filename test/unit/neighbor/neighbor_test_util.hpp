// Shared fixtures for the neighbor tests: a FrameSink that records frames, and helpers to
// parse recorded frames back with the wire parsers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/time.hpp>
#include <multios/net/wire/arp.hpp>
#include <multios/net/wire/ethernet.hpp>
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv6.hpp>
#include <multios/net/wire/ndp.hpp>

#include "common/frame_sink.hpp"

namespace multios::net::test {

using Frame = std::vector<std::byte>;

class RecordingSink final : public FrameSink {
  public:
    std::vector<Frame> frames;
    bool out_of_buffers = false;

    std::span<std::byte> begin_frame(IfIndex, std::size_t max_len) override {
        if (out_of_buffers)
            return {};
        open_.assign(max_len, std::byte{0xee});
        return open_;
    }
    void commit_frame(std::size_t len) override {
        open_.resize(len);
        frames.push_back(open_);
        open_.clear();
    }
    void abort_frame() override { open_.clear(); }
    std::vector<Frame> take() {
        std::vector<Frame> f;
        f.swap(frames);
        return f;
    }

  private:
    Frame open_;
};

inline constexpr Instant kT0 = instant_from_ns(1'000'000'000'000);

inline MacAddress mac(std::uint8_t last) {
    return {{0x02, 0, 0, 0, 0, last}};
}
inline Ipv4Address v4(const char* s) {
    return *Ipv4Address::parse(s);
}
inline Ipv6Address v6(const char* s) {
    return *Ipv6Address::parse(s);
}

inline wire::EthernetFrame eth_of(const Frame& f) {
    wire::EthernetFrame e;
    if (wire::parse_ethernet(f, e) != wire::ParseError::Ok)
        throw std::runtime_error("bad ethernet frame");
    return e;
}

inline wire::ArpPacket arp_of(const Frame& f) {
    const auto e = eth_of(f);
    wire::ArpPacket p;
    if (e.ethertype != wire::ethertype::kArp ||
        wire::parse_arp(e.payload, p) != wire::ParseError::Ok)
        throw std::runtime_error("not an ARP frame");
    return p;
}

/// A recorded IPv6/ICMPv6 frame taken apart (checksum verified by parse_icmpv6).
struct NdFrame {
    wire::EthernetFrame eth;
    wire::Ipv6Packet ip;
    wire::IcmpMessage icmp;
};

inline NdFrame nd_of(const Frame& f) {
    NdFrame n;
    n.eth = eth_of(f);
    if (n.eth.ethertype != wire::ethertype::kIpv6 ||
        wire::parse_ipv6(n.eth.payload, n.ip) != wire::ParseError::Ok ||
        n.ip.next_header != wire::ipproto::kIcmpv6 ||
        wire::parse_icmpv6(n.ip.payload, n.ip.src, n.ip.dst, n.icmp) != wire::ParseError::Ok)
        throw std::runtime_error("not an ICMPv6 frame");
    return n;
}

inline wire::NeighborMessage neighbor_of(const NdFrame& n) {
    wire::NeighborMessage m;
    if (wire::parse_neighbor_message(n.icmp.rest, n.icmp.body, m) != wire::ParseError::Ok)
        throw std::runtime_error("bad NS/NA body");
    return m;
}

/// Bytes builder for ND message bodies given to Ndp::on_icmpv6.
struct Body {
    std::vector<std::byte> bytes;
    Body& addr(const Ipv6Address& a) {
        for (auto b : a.bytes)
            bytes.push_back(std::byte{b});
        return *this;
    }
    Body& u8(std::uint8_t v) {
        bytes.push_back(std::byte{v});
        return *this;
    }
    Body& u32(std::uint32_t v) {
        for (int s = 24; s >= 0; s -= 8)
            u8(static_cast<std::uint8_t>(v >> s));
        return *this;
    }
    Body& lla(std::uint8_t type, const MacAddress& m) {
        u8(type).u8(1);
        for (auto b : m.bytes)
            u8(b);
        return *this;
    }
    Body& mtu(std::uint32_t v) { return u8(wire::ndopt::kMtu).u8(1).u8(0).u8(0).u32(v); }
    Body& prefix(const Ipv6Address& p, std::uint8_t len, bool autonomous, std::uint32_t valid,
                 std::uint32_t preferred) {
        u8(wire::ndopt::kPrefixInfo).u8(4).u8(len).u8(autonomous ? 0xc0 : 0x80);
        u32(valid).u32(preferred).u32(0);
        return addr(p);
    }
};

} // namespace multios::net::test
