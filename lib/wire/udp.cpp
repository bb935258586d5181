// UDP header (RFC 768) with the IPv4 and IPv6 (RFC 8200 8.1) checksum rules.
#include <multios/net/wire/udp.hpp>

#include <multios/net/wire/checksum.hpp>
#include <multios/net/wire/ipv4.hpp> // ipproto

namespace multios::net::wire {

namespace {

/// Length checks shared by both families (HARDENING row 9: 8 <= length <= buffer).
ParseError parse_header(Bytes data, UdpDatagram& out) {
    if (data.size() < kUdpHeaderLen) {
        return ParseError::Truncated;
    }
    const std::size_t length = load_be16(data.data() + 4);
    if (length < kUdpHeaderLen) {
        return ParseError::BadLength;
    }
    if (length > data.size()) {
        return ParseError::Truncated;
    }
    out.src_port = load_be16(data.data());
    out.dst_port = load_be16(data.data() + 2);
    out.length = static_cast<std::uint16_t>(length);
    out.checksum = load_be16(data.data() + 6);
    out.payload = data.subspan(kUdpHeaderLen, length - kUdpHeaderLen);
    return ParseError::Ok;
}

void write_header(MutBytes out, std::uint16_t src_port, std::uint16_t dst_port) {
    store_be16(out.data(), src_port);
    store_be16(out.data() + 2, dst_port);
    store_be16(out.data() + 4, static_cast<std::uint16_t>(out.size()));
    store_be16(out.data() + 6, 0);
}

/// RFC 768: a computed checksum of zero is transmitted as all ones.
void store_checksum(MutBytes out, ChecksumAccumulator acc) {
    acc.add(out);
    std::uint16_t c = acc.finish();
    store_be16(out.data() + 6, c == 0 ? 0xffff : c);
}

} // namespace

ParseError parse_udp_v4(Bytes data, const Ipv4Address& src, const Ipv4Address& dst,
                        UdpDatagram& out) {
    if (const ParseError e = parse_header(data, out); e != ParseError::Ok) {
        return e;
    }
    // RFC 768: "An all zero transmitted checksum value means that the transmitter generated
    // no checksum".
    if (out.checksum == 0) {
        return ParseError::Ok;
    }
    ChecksumAccumulator acc = pseudo_header_v4(src, dst, ipproto::kUdp, out.length);
    acc.add(data.first(out.length));
    return acc.verifies() ? ParseError::Ok : ParseError::BadChecksum;
}

ParseError parse_udp_v6(Bytes data, const Ipv6Address& src, const Ipv6Address& dst,
                        UdpDatagram& out) {
    if (const ParseError e = parse_header(data, out); e != ParseError::Ok) {
        return e;
    }
    // RFC 8200 8.1: "IPv6 receivers must discard UDP packets containing a zero checksum".
    if (out.checksum == 0) {
        return ParseError::BadChecksum;
    }
    ChecksumAccumulator acc = pseudo_header_v6(src, dst, ipproto::kUdp, out.length);
    acc.add(data.first(out.length));
    return acc.verifies() ? ParseError::Ok : ParseError::BadChecksum;
}

void emit_udp_v4(MutBytes out, std::uint16_t src_port, std::uint16_t dst_port,
                 const Ipv4Address& src, const Ipv4Address& dst) {
    write_header(out, src_port, dst_port);
    store_checksum(
        out, pseudo_header_v4(src, dst, ipproto::kUdp, static_cast<std::uint32_t>(out.size())));
}

void emit_udp_v6(MutBytes out, std::uint16_t src_port, std::uint16_t dst_port,
                 const Ipv6Address& src, const Ipv6Address& dst) {
    write_header(out, src_port, dst_port);
    store_checksum(
        out, pseudo_header_v6(src, dst, ipproto::kUdp, static_cast<std::uint32_t>(out.size())));
}

} // namespace multios::net::wire
