// SipHash-2-4 (Aumasson & Bernstein, "SipHash: a fast short-input PRF", 2012): the keyed hash
// behind unpredictable IP IDs (RFC 7739) and behind the reassembly and PMTU hash tables, so
// that an off-path sender can neither guess IDs nor aim many keys at one hash bucket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace multios::net {

/// 128-bit SipHash key.
struct SipKey {
    std::uint64_t k0 = 0;
    std::uint64_t k1 = 0;

    /// Derives a key from a 64-bit seed with splitmix64 steps; `domain` separates the keys of
    /// different users of one seed (IDs vs. hash tables) so that one cannot reveal the other.
    static SipKey from_seed(std::uint64_t seed, std::uint64_t domain);
};

/// SipHash-2-4 of `data` under `key`.
std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data);

/// One splitmix64 output step: advances `state` and returns a well-mixed 64-bit value.
std::uint64_t splitmix64(std::uint64_t& state);

} // namespace multios::net
