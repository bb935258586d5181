// ARP for IPv4 over Ethernet (RFC 826).
#pragma once

#include <cstdint>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/parse_error.hpp>

namespace multios::net::wire {

inline constexpr std::size_t kArpLen = 28;
inline constexpr std::uint16_t kArpRequest = 1;
inline constexpr std::uint16_t kArpReply = 2;

struct ArpPacket {
    std::uint16_t op = 0;
    MacAddress sender_mac;
    Ipv4Address sender_ip;
    MacAddress target_mac;
    Ipv4Address target_ip;
};

/// Accepts only htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4, op 1 or 2; trailing bytes
/// (padding) are ignored.
ParseError parse_arp(Bytes data, ArpPacket& out);
/// Writes 28 bytes.
void emit_arp(MutBytes out, const ArpPacket& p);

} // namespace multios::net::wire
