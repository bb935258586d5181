// Ethernet II framing (IEEE 802.3 clause 3) with 802.1Q / 802.1ad tags.
#include <multios/net/wire/ethernet.hpp>

#include <cstring>

namespace multios::net::wire {

namespace {

/// Values below this are an 802.3 length field, not an ethertype (IEEE 802.3 3.2.6).
constexpr std::uint16_t kMinEthertype = 0x0600;

MacAddress load_mac(const std::byte* p) {
    MacAddress m;
    std::memcpy(m.bytes.data(), p, m.bytes.size());
    return m;
}

bool is_vlan_tpid(std::uint16_t t) {
    return t == ethertype::kVlan || t == ethertype::kQinQ;
}

} // namespace

ParseError parse_ethernet(Bytes frame, EthernetFrame& out) {
    if (frame.size() < kEthernetHeaderLen) {
        return ParseError::Truncated;
    }
    out.dst = load_mac(frame.data());
    out.src = load_mac(frame.data() + 6);
    out.vlan_tci = 0;
    out.vlan_tags = 0;
    std::size_t off = 12; // offset of the current type/TPID field
    std::uint16_t type = load_be16(frame.data() + off);
    // Bounded tag walk: nested tags beyond kMaxVlanTags are refused (HARDENING row 21).
    while (is_vlan_tpid(type)) {
        if (out.vlan_tags == kMaxVlanTags) {
            return ParseError::TooManyHeaders;
        }
        if (frame.size() - off < 2 + kVlanTagLen) {
            return ParseError::Truncated;
        }
        out.vlan_tci = load_be16(frame.data() + off + 2);
        type = load_be16(frame.data() + off + 4);
        off += kVlanTagLen;
        ++out.vlan_tags;
    }
    if (type < kMinEthertype) {
        return ParseError::Unsupported;
    }
    out.ethertype = type;
    out.header_len = off + 2;
    out.payload = frame.subspan(out.header_len);
    return ParseError::Ok;
}

void emit_ethernet(MutBytes out, const MacAddress& dst, const MacAddress& src,
                   std::uint16_t ethertype) {
    std::memcpy(out.data(), dst.bytes.data(), 6);
    std::memcpy(out.data() + 6, src.bytes.data(), 6);
    store_be16(out.data() + 12, ethertype);
}

} // namespace multios::net::wire
