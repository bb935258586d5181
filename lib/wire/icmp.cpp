// ICMPv4 (RFC 792) and ICMPv6 (RFC 4443 2.1, 2.3) common header and checksum.
#include <multios/net/wire/icmp.hpp>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ipv4.hpp> // ipproto

namespace multios::net::wire {

namespace {

void fill(Bytes data, IcmpMessage& out) {
    out.type = load8(data.data());
    out.code = load8(data.data() + 1);
    out.rest = load_be32(data.data() + 4);
    out.body = data.subspan(kIcmpHeaderLen);
}

void write_header(MutBytes out, std::uint8_t type, std::uint8_t code, std::uint32_t rest) {
    store8(out.data(), type);
    store8(out.data() + 1, code);
    store_be16(out.data() + 2, 0);
    store_be32(out.data() + 4, rest);
}

} // namespace

ParseError parse_icmpv4(Bytes data, IcmpMessage& out) {
    if (data.size() < kIcmpHeaderLen) {
        return ParseError::Truncated;
    }
    // RFC 792: the checksum covers the whole ICMP message.
    if (internet_checksum(data) != 0) {
        return ParseError::BadChecksum;
    }
    fill(data, out);
    return ParseError::Ok;
}

ParseError parse_icmpv6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        IcmpMessage& out) {
    if (data.size() < kIcmpHeaderLen) {
        return ParseError::Truncated;
    }
    // RFC 4443 2.3: the checksum includes the RFC 8200 8.1 pseudo-header.
    ChecksumAccumulator acc =
        pseudo_header_v6(src, dst, ipproto::kIcmpv6, static_cast<std::uint32_t>(data.size()));
    acc.add(data);
    if (!acc.verifies()) {
        return ParseError::BadChecksum;
    }
    fill(data, out);
    return ParseError::Ok;
}

void emit_icmpv4(MutBytes out, std::uint8_t type, std::uint8_t code, std::uint32_t rest) {
    write_header(out, type, code, rest);
    store_be16(out.data() + 2, internet_checksum(out));
}

void emit_icmpv6(MutBytes out, std::uint8_t type, std::uint8_t code, std::uint32_t rest,
                 const Ipv6Address& src, const Ipv6Address& dst) {
    write_header(out, type, code, rest);
    ChecksumAccumulator acc =
        pseudo_header_v6(src, dst, ipproto::kIcmpv6, static_cast<std::uint32_t>(out.size()));
    acc.add(out);
    store_be16(out.data() + 2, acc.finish());
}

} // namespace multios::net::wire
