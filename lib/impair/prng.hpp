// The impairment layer's random numbers: xoshiro256** (Blackman & Vigna, 2018) seeded through
// splitmix64. Written out here rather than taken from <random> because the standard
// distributions may change their output between library versions, and `--seed N` (and the
// simulator's scenario seeds) promise the same draws on every machine and every build.
#pragma once

#include <array>
#include <cstdint>

// Own namespace: lib/ip has its own splitmix64 for key derivation, and both are linked into
// one program.
namespace multios::net::prng {

/// One step of splitmix64: advances `state` and returns a well-mixed 64-bit value. Used to
/// expand one seed into generator state and to derive independent stream seeds.
std::uint64_t splitmix64(std::uint64_t& state);

/// The seed of stream `stream` (e.g. port * 2 + direction) under the base seed `base`: distinct
/// streams give unrelated sequences, and one (base, stream) pair always gives the same one.
std::uint64_t derive_seed(std::uint64_t base, std::uint64_t stream);

/// xoshiro256**: small, fast, and with no short cycles for any seed that splitmix64 expands.
class Xoshiro256 {
  public:
    explicit Xoshiro256(std::uint64_t seed);
    /// A generator with this exact state (not all zero): for checking against reference vectors.
    static Xoshiro256 from_state(const std::array<std::uint64_t, 4>& state);
    std::uint64_t next();
    /// Uniform in [0, 1) from the top 53 bits: every double it returns is exactly representable,
    /// so `uniform() < 1.0` always holds and `uniform() < 0.0` never does.
    double uniform();

  private:
    std::array<std::uint64_t, 4> s_{};
};

} // namespace multios::net::prng
