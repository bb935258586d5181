// Fuzz target: Neighbor Discovery bodies and options (RFC 4861 4.6).
// Input: selector byte (0 options only, 1 NS/NA, 2 RA), 4-byte ICMP `rest` word, then the body.
#include <multios/net/wire/ndp.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

namespace {

void check(const wire::NdpOptions& o) {
    MULTIOS_FUZZ_CHECK(o.prefix_count <= wire::kMaxNdpPrefixes);
    for (unsigned i = 0; i < o.prefix_count; ++i) {
        MULTIOS_FUZZ_CHECK(o.prefixes[i].prefix_len <= 128);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 5) {
        return 0;
    }
    const auto buf = fuzz::copy(data + 5, size - 5);
    const wire::Bytes body(buf.data(), buf.size());
    const std::uint32_t rest = (std::uint32_t{data[1]} << 24) | (std::uint32_t{data[2]} << 16) |
                               (std::uint32_t{data[3]} << 8) | data[4];
    switch (data[0] % 3) {
    case 0: {
        wire::NdpOptions o;
        if (wire::parse_ndp_options(body, o) == wire::ParseError::Ok) {
            check(o);
        }
        break;
    }
    case 1: {
        wire::NeighborMessage n;
        if (wire::parse_neighbor_message(rest, body, n) == wire::ParseError::Ok) {
            MULTIOS_FUZZ_CHECK(!n.target.is_multicast());
            check(n.options);
        }
        break;
    }
    default: {
        wire::RouterAdvertisement ra;
        if (wire::parse_router_advertisement(rest, body, ra) == wire::ParseError::Ok) {
            check(ra.options);
        }
        break;
    }
    }
    return 0;
}
