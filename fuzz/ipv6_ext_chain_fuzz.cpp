// Fuzz target: IPv6 fixed header and the extension-header walk (HARDENING row 4).
// Input: the IPv6 packet.
#include <multios/net/wire/ipv6.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto buf = fuzz::copy(data, size);
    const wire::Bytes in(buf.data(), buf.size());
    wire::Ipv6Packet p;
    if (wire::parse_ipv6(in, p) != wire::ParseError::Ok) {
        return 0;
    }
    MULTIOS_FUZZ_CHECK(fuzz::within(p.payload, in));
    MULTIOS_FUZZ_CHECK(p.payload.size() == p.payload_len);
    wire::Ipv6ExtChain c;
    const wire::ParseError e = wire::walk_ipv6_extensions(p, c);
    MULTIOS_FUZZ_CHECK(c.header_count <= wire::kMaxIpv6ExtHeaders);
    if (e == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(c.upper_offset <= p.payload.size());
        if (c.has_fragment) {
            MULTIOS_FUZZ_CHECK(c.fragment_offset_in_payload + wire::kIpv6FragmentHeaderLen <=
                               c.upper_offset);
            MULTIOS_FUZZ_CHECK(c.unfragmentable_len == c.fragment_offset_in_payload);
            MULTIOS_FUZZ_CHECK(c.fragment.offset % 8 == 0);
        }
    }
    if (c.option_action != wire::Ipv6OptionAction::None) {
        MULTIOS_FUZZ_CHECK(c.problem_pointer < wire::kIpv6HeaderLen + p.payload.size());
    }
    return 0;
}
