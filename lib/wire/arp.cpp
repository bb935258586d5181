// ARP for IPv4 over Ethernet (RFC 826): only the 28-byte Ethernet/IPv4 form is accepted.
#include <multios/net/wire/arp.hpp>

#include <cstring>

namespace multios::net::wire {

namespace {

constexpr std::uint16_t kHtypeEthernet = 1;
constexpr std::uint16_t kPtypeIpv4 = 0x0800;
constexpr std::uint8_t kHlenEthernet = 6;
constexpr std::uint8_t kPlenIpv4 = 4;

template <class A>
A load_addr(const std::byte* p) {
    A a;
    std::memcpy(a.bytes.data(), p, a.bytes.size());
    return a;
}

template <class A>
void store_addr(std::byte* p, const A& a) {
    std::memcpy(p, a.bytes.data(), a.bytes.size());
}

} // namespace

ParseError parse_arp(Bytes data, ArpPacket& out) {
    if (data.size() < kArpLen) {
        return ParseError::Truncated;
    }
    const std::byte* p = data.data();
    // RFC 826 "Packet Reception": the hardware and protocol types must be ones we speak;
    // checking hlen/plen as well keeps the fixed offsets below valid.
    if (load_be16(p) != kHtypeEthernet || load_be16(p + 2) != kPtypeIpv4 ||
        load8(p + 4) != kHlenEthernet || load8(p + 5) != kPlenIpv4) {
        return ParseError::Unsupported;
    }
    const std::uint16_t op = load_be16(p + 6);
    if (op != kArpRequest && op != kArpReply) {
        return ParseError::Unsupported;
    }
    out.op = op;
    out.sender_mac = load_addr<MacAddress>(p + 8);
    out.sender_ip = load_addr<Ipv4Address>(p + 14);
    out.target_mac = load_addr<MacAddress>(p + 18);
    out.target_ip = load_addr<Ipv4Address>(p + 24);
    return ParseError::Ok;
}

void emit_arp(MutBytes out, const ArpPacket& a) {
    std::byte* p = out.data();
    store_be16(p, kHtypeEthernet);
    store_be16(p + 2, kPtypeIpv4);
    store8(p + 4, kHlenEthernet);
    store8(p + 5, kPlenIpv4);
    store_be16(p + 6, a.op);
    store_addr(p + 8, a.sender_mac);
    store_addr(p + 14, a.sender_ip);
    store_addr(p + 18, a.target_mac);
    store_addr(p + 24, a.target_ip);
}

} // namespace multios::net::wire
