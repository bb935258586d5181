// Fuzz target: TCP header, data offset, checksum and options over IPv4/IPv6 (rows 6, 9).
// Input: control byte (bit 0: IPv6, bit 1: fix the checksum), then the segment.
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/tcp.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

using fuzz::kDst4;
using fuzz::kDst6;
using fuzz::kSrc4;
using fuzz::kSrc6;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::uint8_t ctl = data[0];
    const bool v6 = (ctl & fuzz::kCtlIpv6) != 0;
    auto buf = fuzz::copy(data + 1, size - 1);
    if ((ctl & fuzz::kCtlFixChecksum) != 0 && buf.size() >= wire::kTcpMinHeaderLen) {
        const auto len = static_cast<std::uint32_t>(buf.size());
        fuzz::fix_checksum(buf, 16, buf.size(), fuzz::pseudo_header(v6, wire::ipproto::kTcp, len));
    }
    const wire::Bytes in(buf.data(), buf.size());
    wire::TcpSegment s;
    const wire::ParseError e =
        v6 ? wire::parse_tcp_v6(in, kSrc6, kDst6, s) : wire::parse_tcp_v4(in, kSrc4, kDst4, s);
    if (e == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(s.header_len >= wire::kTcpMinHeaderLen && s.header_len <= in.size());
        MULTIOS_FUZZ_CHECK(s.header_len % 4 == 0);
        MULTIOS_FUZZ_CHECK(s.payload.size() + s.header_len == in.size());
        MULTIOS_FUZZ_CHECK(fuzz::within(s.payload, in));
        MULTIOS_FUZZ_CHECK(s.options.window_scale <= 14);
        MULTIOS_FUZZ_CHECK(s.options.sack_count <= wire::kMaxSackBlocks);
    }
    return 0;
}
