// Fuzz target: UDP header over IPv4/IPv6 (HARDENING row 9).
// Input: control byte (bit 0: IPv6, bit 1: fix the checksum), then the datagram.
#include <multios/net/wire/ipv4.hpp>
#include <multios/net/wire/udp.hpp>

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
    if ((ctl & fuzz::kCtlFixChecksum) != 0 && buf.size() >= wire::kUdpHeaderLen) {
        const std::uint16_t len = wire::load_be16(buf.data() + 4);
        if (len >= wire::kUdpHeaderLen && len <= buf.size()) {
            fuzz::fix_checksum(buf, 6, len, fuzz::pseudo_header(v6, wire::ipproto::kUdp, len));
        }
    }
    const wire::Bytes in(buf.data(), buf.size());
    wire::UdpDatagram d;
    const wire::ParseError e =
        v6 ? wire::parse_udp_v6(in, kSrc6, kDst6, d) : wire::parse_udp_v4(in, kSrc4, kDst4, d);
    if (e == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(d.length >= wire::kUdpHeaderLen && d.length <= in.size());
        MULTIOS_FUZZ_CHECK(d.payload.size() + wire::kUdpHeaderLen == d.length);
        MULTIOS_FUZZ_CHECK(fuzz::within(d.payload, in));
        MULTIOS_FUZZ_CHECK(!v6 || d.checksum != 0);
    }
    return 0;
}
