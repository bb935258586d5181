// Shared helpers for the libFuzzer targets: input views, invariant checks, checksum fix-ups.
//
// Targets whose parser verifies a checksum take one leading "control" byte; bit 1 asks the
// harness to rewrite the checksum so the fuzzer can get past it into the rest of the parser
// (HARDENING row 9: "header-mutation fuzzing with checksums fixed up").
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <multios/net/address.hpp>
#include <multios/net/wire/bytes.hpp>
#include <multios/net/wire/checksum.hpp>

namespace multios::net::fuzz {

using wire::Bytes;

/// Aborts (a crash libFuzzer reports) when a parser's promise is broken.
#define MULTIOS_FUZZ_CHECK(cond)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

/// The endpoints between which checksum-verifying targets parse (documentation prefixes).
inline const Ipv4Address kSrc4{{192, 0, 2, 1}};
inline const Ipv4Address kDst4{{192, 0, 2, 2}};
inline const Ipv6Address kSrc6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};
inline const Ipv6Address kDst6{{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}};

/// The pseudo-header for `len` bytes of `proto` between those endpoints.
inline wire::ChecksumAccumulator pseudo_header(bool v6, std::uint8_t proto, std::uint32_t len) {
    return v6 ? wire::pseudo_header_v6(kSrc6, kDst6, proto, len)
              : wire::pseudo_header_v4(kSrc4, kDst4, proto, len);
}

inline constexpr std::uint8_t kCtlIpv6 = 0x01;        ///< Parse as the IPv6 variant.
inline constexpr std::uint8_t kCtlFixChecksum = 0x02; ///< Rewrite the checksum first.

/// True when `inner` lies inside `outer` (parsers return views into their input).
inline bool within(Bytes inner, Bytes outer) {
    if (inner.empty()) {
        return true;
    }
    return inner.data() >= outer.data() &&
           inner.data() + inner.size() <= outer.data() + outer.size();
}

/// A heap copy of the input so that the harness can patch it; ASan still sees its exact end.
inline std::vector<std::byte> copy(const std::uint8_t* data, std::size_t size) {
    std::vector<std::byte> v(size);
    for (std::size_t i = 0; i < size; ++i) {
        v[i] = static_cast<std::byte>(data[i]);
    }
    return v;
}

/// Stores ~sum(acc + covered) at `field` (2 bytes inside `covered`), the field summed as zero.
inline void fix_checksum(std::vector<std::byte>& buf, std::size_t field, std::size_t covered,
                         wire::ChecksumAccumulator acc) {
    wire::store_be16(buf.data() + field, 0);
    acc.add(Bytes(buf.data(), covered));
    wire::store_be16(buf.data() + field, acc.finish());
}

} // namespace multios::net::fuzz
