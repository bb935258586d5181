#include "tcp/isn.hpp"

#include <array>

namespace multios::net {

namespace {
constexpr std::uint64_t kIsnDomain = 0x5443'5049'534e'0001ull; // "TCP ISN"
constexpr std::int64_t kClockStepNs = 4000;                    // RFC 6528 section 3: 4 us
} // namespace

IsnGenerator::IsnGenerator(std::uint64_t seed) : key_(SipKey::from_seed(seed, kIsnDomain)) {}

std::uint32_t IsnGenerator::clock_component(Instant now) {
    // Truncation to 32 bits is the intended wrap of the sequence-number clock.
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(to_ns(now) / kClockStepNs));
}

std::uint32_t IsnGenerator::isn(const FourTuple& tuple, Instant now) const {
    std::array<std::uint8_t, kFourTupleBytes> buf{};
    const auto f = static_cast<std::uint32_t>(siphash24(key_, encode_four_tuple(tuple, buf)));
    return clock_component(now) + f;
}

} // namespace multios::net
