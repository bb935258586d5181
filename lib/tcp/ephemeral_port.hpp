// Ephemeral port selection, RFC 6056 section 3.3.4 (Algorithm 4, "Double-Hash Port
// Selection"): port = first + (F(tuple, k1) + table[G(tuple, k2)]++) mod range. F gives every
// destination its own secret starting point, so ports reveal nothing across destinations;
// the per-bucket counter walks successive connections to one destination through the range,
// so a port is not reused for it soon after (TIME-WAIT collisions).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "ip/siphash.hpp"
#include "tcp/four_tuple.hpp"

namespace multios::net {

class EphemeralPortSelector {
  public:
    static constexpr std::size_t kTableSize = 1024;
    /// RFC 6335 section 6 dynamic range, the RFC 6056 section 3.2 recommendation.
    static constexpr std::uint16_t kDefaultFirst = 49152;
    static constexpr std::uint16_t kDefaultLast = 65535;

    /// `seed` from a random source at stack start; equal seeds give equal choices.
    explicit EphemeralPortSelector(std::uint64_t seed)
        : offset_key_(SipKey::from_seed(seed, 0x5043'5052'5431ull)),
          index_key_(SipKey::from_seed(seed, 0x5043'5052'5432ull)) {
        std::uint64_t s = seed ^ 0x5043'5052'5433ull;
        for (auto& c : table_)
            c = static_cast<std::uint16_t>(splitmix64(s));
    }

    /// A local port in [first, last] for a connection to `tuple.remote`:`tuple.remote_port`
    /// from `tuple.local` (`tuple.local_port` is ignored) for which `is_free(port)` holds, or
    /// nullopt after every port of the range was tried (RFC 6056: "return ERROR").
    /// Costs at most one predicate call per port in the range.
    template <class IsFree>
    std::optional<std::uint16_t> choose(const FourTuple& tuple, IsFree&& is_free,
                                        std::uint16_t first = kDefaultFirst,
                                        std::uint16_t last = kDefaultLast) {
        if (first > last)
            return std::nullopt;
        const std::uint64_t range = std::uint64_t{last} - first + 1;
        std::array<std::uint8_t, kFourTupleBytes> buf{};
        const auto key = encode_four_tuple(tuple, buf, false);
        const std::uint64_t offset = siphash24(offset_key_, key) & 0xffff'ffffu;
        std::uint16_t& counter = table_[siphash24(index_key_, key) % kTableSize];
        // A wide local count keeps the probes consecutive (covering the whole range once)
        // even when the 16-bit table entry wraps during the walk.
        const std::uint64_t base = counter;
        for (std::uint64_t k = 0; k < range; ++k) {
            const auto port = static_cast<std::uint16_t>(first + (offset + base + k) % range);
            counter = static_cast<std::uint16_t>(base + k + 1);
            if (is_free(port))
                return port;
        }
        return std::nullopt;
    }

  private:
    SipKey offset_key_;
    SipKey index_key_;
    std::array<std::uint16_t, kTableSize> table_{};
};

} // namespace multios::net
