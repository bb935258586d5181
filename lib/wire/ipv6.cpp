// IPv6 fixed header (RFC 8200 3) and the extension-header walk (RFC 8200 4).
// Heads up: the walk is bounded in header count and every header length is checked against
// the remaining payload before it is used (HARDENING row 4: picoTCP CVE-2020-17442/17444/17445).
#include <multios/net/wire/ipv6.hpp>

#include <cstring>

namespace multios::net::wire {

namespace {

constexpr std::uint8_t kOptPad1 = 0; // RFC 8200 4.2
constexpr std::uint8_t kOptPadN = 1;
constexpr std::uint8_t kRoutingType0 = 0;
constexpr std::size_t kMaxIpv6Payload = 65535;

Ipv6Address load_v6(const std::byte* p) {
    Ipv6Address a;
    std::memcpy(a.bytes.data(), p, 16);
    return a;
}

bool is_options_header(std::uint8_t nh) {
    return nh == ipproto::kHopByHop || nh == ipproto::kDestOpts;
}

/// Walks the TLV options of a HBH or destination-options header `hdr` (its full length)
/// that starts at `hdr_offset` in the IPv6 payload.
ParseError walk_options(Bytes hdr, std::size_t hdr_offset, Ipv6ExtChain& out) {
    std::size_t i = 2; // after next-header and length
    while (i < hdr.size()) {
        const std::uint8_t type = load8(hdr.data() + i);
        if (type == kOptPad1) {
            ++i;
            continue;
        }
        if (hdr.size() - i < 2) {
            return ParseError::BadOption;
        }
        const std::size_t len = std::size_t{load8(hdr.data() + i + 1)} + 2;
        if (len > hdr.size() - i) {
            return ParseError::BadOption;
        }
        // RFC 8200 4.2: the two high-order bits of an unrecognised option's type say what to
        // do; 00 means skip it. We recognise only padding.
        if (type != kOptPadN) {
            const auto action = static_cast<Ipv6OptionAction>(type >> 6);
            if (action != Ipv6OptionAction::None) {
                out.option_action = action;
                out.problem_pointer = kIpv6HeaderLen + hdr_offset + i;
                return ParseError::BadOption;
            }
        }
        i += len;
    }
    return ParseError::Ok;
}

/// RFC 8200 4.5 fragment header checks; `off` is where the header sits in `payload`.
ParseError read_fragment(Bytes payload, std::size_t off, Ipv6ExtChain& out) {
    if (out.has_fragment) {
        // RFC 8200 4.1: each extension header occurs at most once (Destination Options twice).
        return ParseError::BadFragment;
    }
    const std::byte* p = payload.data() + off;
    const std::uint16_t word = load_be16(p + 2);
    out.fragment.next_header = load8(p);
    out.fragment.offset = static_cast<std::uint16_t>(word & 0xfff8u);
    out.fragment.more_fragments = (word & 1u) != 0;
    out.fragment.id = load_be32(p + 4);
    out.has_fragment = true;
    out.fragment_offset_in_payload = off;
    out.unfragmentable_len = off;
    const std::size_t data_len = payload.size() - off - kIpv6FragmentHeaderLen;
    // RFC 8200 4.5: "If the length of a fragment ... is not a multiple of 8 octets and the M
    // flag of that fragment is 1, then that fragment must be discarded" (pointer: Payload Length).
    if (out.fragment.more_fragments && data_len % 8 != 0) {
        out.problem_pointer = 4;
        return ParseError::BadFragment;
    }
    // RFC 8200 4.5: the reassembled payload would exceed 65,535 octets (pointer: offset field).
    if (off + out.fragment.offset + data_len > kMaxIpv6Payload) {
        out.problem_pointer = kIpv6HeaderLen + off + 2;
        return ParseError::BadFragment;
    }
    return ParseError::Ok;
}

} // namespace

ParseError parse_ipv6(Bytes data, Ipv6Packet& out) {
    if (data.size() < kIpv6HeaderLen) {
        return ParseError::Truncated;
    }
    const std::byte* p = data.data();
    const std::uint32_t word0 = load_be32(p);
    if ((word0 >> 28) != 6) {
        return ParseError::BadVersion;
    }
    const std::size_t payload_len = load_be16(p + 4);
    const std::uint8_t next_header = load8(p + 6);
    // RFC 2675: payload length 0 with a hop-by-hop header announces a jumbogram.
    if (payload_len == 0 && next_header == ipproto::kHopByHop) {
        return ParseError::BadLength;
    }
    if (payload_len > data.size() - kIpv6HeaderLen) {
        return ParseError::Truncated;
    }
    out.src = load_v6(p + 8);
    out.dst = load_v6(p + 24);
    // RFC 4291 2.7: "Multicast addresses must not be used as source addresses".
    if (out.src.is_multicast()) {
        return ParseError::BadAddress;
    }
    out.traffic_class = static_cast<std::uint8_t>(word0 >> 20);
    out.flow_label = word0 & 0xfffffu;
    out.payload_len = static_cast<std::uint16_t>(payload_len);
    out.next_header = next_header;
    out.hop_limit = load8(p + 7);
    out.payload = data.subspan(kIpv6HeaderLen, payload_len);
    return ParseError::Ok;
}

ParseError walk_ipv6_extensions(const Ipv6Packet& pkt, Ipv6ExtChain& out, unsigned max_headers) {
    out = Ipv6ExtChain{};
    const Bytes payload = pkt.payload;
    std::uint8_t nh = pkt.next_header;
    std::size_t off = 0;
    std::size_t nh_field = 6; // where `nh` was read, from the IPv6 header start
    for (;;) {
        const bool known_ext =
            is_options_header(nh) || nh == ipproto::kRouting || nh == ipproto::kFragment;
        if (!known_ext) {
            // Upper-layer, No Next Header (59) or a protocol we do not know: the caller decides.
            out.upper_protocol = nh;
            out.upper_offset = off;
            return ParseError::Ok;
        }
        // RFC 8200 4.1: "The Hop-by-Hop Options header ... must immediately follow the IPv6
        // header".
        if (nh == ipproto::kHopByHop && out.header_count != 0) {
            out.problem_pointer = nh_field;
            return ParseError::BadOption;
        }
        if (out.header_count == max_headers) {
            return ParseError::TooManyHeaders;
        }
        ++out.header_count;
        const std::size_t remaining = payload.size() - off;
        if (nh == ipproto::kFragment) {
            if (remaining < kIpv6FragmentHeaderLen) {
                return ParseError::Truncated;
            }
            if (const ParseError e = read_fragment(payload, off, out); e != ParseError::Ok) {
                return e;
            }
            nh_field = kIpv6HeaderLen + off;
            off += kIpv6FragmentHeaderLen;
            if (out.fragment.offset != 0) {
                // Not the first fragment: what follows is fragment data, not headers.
                out.upper_protocol = out.fragment.next_header;
                out.upper_offset = off;
                return ParseError::Ok;
            }
            nh = out.fragment.next_header;
            continue;
        }
        if (remaining < 2) {
            return ParseError::Truncated;
        }
        const std::size_t len = (std::size_t{load8(payload.data() + off + 1)} + 1) * 8;
        if (len > remaining) {
            return ParseError::Truncated;
        }
        const Bytes hdr = payload.subspan(off, len);
        if (is_options_header(nh)) {
            if (const ParseError e = walk_options(hdr, off, out); e != ParseError::Ok) {
                return e;
            }
        } else {
            const std::uint8_t type = load8(hdr.data() + 2);
            const std::uint8_t segments_left = load8(hdr.data() + 3);
            // RFC 5095 3: RH0 is deprecated and must be dropped whatever segments_left says.
            if (type == kRoutingType0) {
                out.problem_pointer = kIpv6HeaderLen + off + 2;
                return ParseError::SourceRoute;
            }
            // RFC 8200 4.4: an unrecognised routing type with segments left != 0 is discarded
            // (ICMP Parameter Problem code 0 pointing at the type); with 0 it is ignored.
            if (segments_left != 0) {
                out.problem_pointer = kIpv6HeaderLen + off + 2;
                return ParseError::Unsupported;
            }
        }
        nh = load8(hdr.data());
        nh_field = kIpv6HeaderLen + off;
        off += len;
    }
}

void emit_ipv6(MutBytes out, const Ipv6HeaderFields& f) {
    std::byte* p = out.data();
    const std::uint32_t word0 =
        (6u << 28) | (std::uint32_t{f.traffic_class} << 20) | (f.flow_label & 0xfffffu);
    store_be32(p, word0);
    store_be16(p + 4, f.payload_len);
    store8(p + 6, f.next_header);
    store8(p + 7, f.hop_limit);
    std::memcpy(p + 8, f.src.bytes.data(), 16);
    std::memcpy(p + 24, f.dst.bytes.data(), 16);
}

void emit_ipv6_fragment(MutBytes out, const Ipv6FragmentHeader& f) {
    std::byte* p = out.data();
    store8(p, f.next_header);
    store8(p + 1, 0);
    store_be16(p + 2,
               static_cast<std::uint16_t>((f.offset & 0xfff8u) | (f.more_fragments ? 1 : 0)));
    store_be32(p + 4, f.id);
}

} // namespace multios::net::wire
