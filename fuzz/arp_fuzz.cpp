// Fuzz target: ARP (RFC 826). Input: the ARP packet (after the Ethernet header).
#include <multios/net/wire/arp.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto buf = fuzz::copy(data, size);
    wire::ArpPacket a;
    if (wire::parse_arp(wire::Bytes(buf.data(), buf.size()), a) == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(size >= wire::kArpLen);
        MULTIOS_FUZZ_CHECK(a.op == wire::kArpRequest || a.op == wire::kArpReply);
        // emit(parse(x)) reproduces the first 28 bytes exactly.
        std::byte out[wire::kArpLen];
        wire::emit_arp(out, a);
        for (std::size_t i = 0; i < wire::kArpLen; ++i) {
            MULTIOS_FUZZ_CHECK(out[i] == buf[i]);
        }
    }
    return 0;
}
