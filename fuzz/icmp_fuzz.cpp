// Fuzz target: ICMPv4 / ICMPv6 common header (HARDENING row 10).
// Input: control byte (bit 0: ICMPv6, bit 1: fix the checksum), then the ICMP message.
#include <multios/net/wire/icmp.hpp>
#include <multios/net/wire/ipv4.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

namespace {
const Ipv6Address kSrc{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
const Ipv6Address kDst{{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::uint8_t ctl = data[0];
    const bool v6 = (ctl & fuzz::kCtlIpv6) != 0;
    auto buf = fuzz::copy(data + 1, size - 1);
    if ((ctl & fuzz::kCtlFixChecksum) != 0 && buf.size() >= wire::kIcmpHeaderLen) {
        const auto len = static_cast<std::uint32_t>(buf.size());
        fuzz::fix_checksum(buf, 2, buf.size(),
                           v6 ? wire::pseudo_header_v6(kSrc, kDst, wire::ipproto::kIcmpv6, len)
                              : wire::ChecksumAccumulator{});
    }
    const wire::Bytes in(buf.data(), buf.size());
    wire::IcmpMessage m;
    const wire::ParseError e =
        v6 ? wire::parse_icmpv6(in, kSrc, kDst, m) : wire::parse_icmpv4(in, m);
    if (e == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(fuzz::within(m.body, in));
        MULTIOS_FUZZ_CHECK(m.body.size() + wire::kIcmpHeaderLen == in.size());
    }
    return 0;
}
