#include "impair/prng.hpp"

namespace multios::net::prng {

namespace {
constexpr std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}
} // namespace

std::uint64_t splitmix64(std::uint64_t& state) {
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t derive_seed(std::uint64_t base, std::uint64_t stream) {
    // Two rounds: the first spreads the base, the second makes neighbouring stream numbers
    // (port 0 rx / port 0 tx) land far apart.
    std::uint64_t s = base;
    std::uint64_t mixed = splitmix64(s);
    s = mixed ^ (stream * 0xd1b54a32d192ed03ULL);
    return splitmix64(s);
}

Xoshiro256::Xoshiro256(std::uint64_t seed) {
    // splitmix64 never yields four zero words in a row, the one state xoshiro must avoid.
    for (auto& w : s_) {
        w = splitmix64(seed);
    }
}

Xoshiro256 Xoshiro256::from_state(const std::array<std::uint64_t, 4>& state) {
    Xoshiro256 g(0);
    g.s_ = state;
    return g;
}

std::uint64_t Xoshiro256::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

double Xoshiro256::uniform() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

} // namespace multios::net::prng
