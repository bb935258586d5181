// Fuzz target: the TCP option walk alone (HARDENING row 6). Input: raw option bytes.
#include <multios/net/wire/tcp.hpp>

#include "fuzz_util.hpp"

using namespace multios::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto buf = fuzz::copy(data, size);
    wire::TcpOptions o;
    if (wire::parse_tcp_options(wire::Bytes(buf.data(), buf.size()), o) == wire::ParseError::Ok) {
        MULTIOS_FUZZ_CHECK(o.window_scale <= 14);
        MULTIOS_FUZZ_CHECK(o.sack_count <= wire::kMaxSackBlocks);
    }
    return 0;
}
