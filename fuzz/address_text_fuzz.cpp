// Fuzz target: address/prefix text parsing. Whatever parses must format and re-parse to the
// same value (the round trip the CLI and config files rely on). Input: text.
#include <string_view>

#include <multios/net/address.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

namespace {

template <class T>
void round_trip(std::string_view text) {
    if (auto a = T::parse(text)) {
        const std::string s = a->to_string();
        auto b = T::parse(s);
        MULTIOS_FUZZ_CHECK(b.has_value());
        MULTIOS_FUZZ_CHECK(*b == *a);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string copy(reinterpret_cast<const char*>(data), size);
    const std::string_view text(copy);
    round_trip<MacAddress>(text);
    round_trip<Ipv4Address>(text);
    round_trip<Ipv6Address>(text);
    round_trip<IpAddress>(text);
    round_trip<IpPrefix>(text);
    if (auto p = IpPrefix::parse(text)) {
        MULTIOS_FUZZ_CHECK(p->contains(p->address));
    }
    return 0;
}
