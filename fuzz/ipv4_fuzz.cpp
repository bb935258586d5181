// Fuzz target: IPv4 header, options and fragment fields (HARDENING rows 1, 9, 20).
// Input: control byte (bit 1: fix the header checksum), then the IPv4 packet.
#include <multios/net/wire/ipv4.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::uint8_t ctl = data[0];
    auto buf = fuzz::copy(data + 1, size - 1);
    if ((ctl & fuzz::kCtlFixChecksum) != 0 && buf.size() >= wire::kIpv4MinHeaderLen) {
        const std::size_t hl = std::size_t{wire::load8(buf.data()) & 0x0fu} * 4;
        if (hl >= wire::kIpv4MinHeaderLen && hl <= buf.size()) {
            fuzz::fix_checksum(buf, 10, hl, {});
        }
    }
    const wire::Bytes in(buf.data(), buf.size());
    wire::Ipv4Packet p;
    if (wire::parse_ipv4(in, p) == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(p.header.size() >= wire::kIpv4MinHeaderLen);
        MULTIOS_FUZZ_CHECK(p.header.size() + p.payload.size() == p.total_len);
        MULTIOS_FUZZ_CHECK(p.options.size() == p.header.size() - wire::kIpv4MinHeaderLen);
        MULTIOS_FUZZ_CHECK(fuzz::within(p.header, in) && fuzz::within(p.payload, in));
        MULTIOS_FUZZ_CHECK(p.frag_offset + p.payload.size() <= wire::kIpv4MaxDatagram);
        MULTIOS_FUZZ_CHECK(!p.src.is_multicast() && !p.src.is_broadcast());
    }
    return 0;
}
