// Fuzz target: Ethernet framing with VLAN tags (HARDENING row 21). Input: a raw frame.
#include <multios/net/wire/ethernet.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto buf = fuzz::copy(data, size);
    const wire::Bytes in(buf.data(), buf.size());
    wire::EthernetFrame f;
    if (wire::parse_ethernet(in, f) == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(f.vlan_tags <= wire::kMaxVlanTags);
        MULTIOS_FUZZ_CHECK(f.header_len == wire::kEthernetHeaderLen + f.vlan_tags * 4u);
        MULTIOS_FUZZ_CHECK(f.ethertype >= 0x0600);
        MULTIOS_FUZZ_CHECK(fuzz::within(f.payload, in));
        MULTIOS_FUZZ_CHECK(f.payload.size() == size - f.header_len);
    }
    return 0;
}
