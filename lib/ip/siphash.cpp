#include "ip/siphash.hpp"

namespace multios::net {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) {
    return (x << b) | (x >> (64 - b));
}

struct SipState {
    std::uint64_t v0, v1, v2, v3;

    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
    // The "2" of SipHash-2-4: two rounds per message word.
    void absorb(std::uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

// Message words are read little-endian, as the SipHash specification defines them.
std::uint64_t load_le(const std::uint8_t* p, std::size_t n) {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i)
        w |= std::uint64_t{p[i]} << (8 * i);
    return w;
}

} // namespace

SipKey SipKey::from_seed(std::uint64_t seed, std::uint64_t domain) {
    std::uint64_t s = seed ^ (domain * 0x9e3779b97f4a7c15ull);
    SipKey k;
    k.k0 = splitmix64(s);
    k.k1 = splitmix64(s);
    return k;
}

std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data) {
    SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
               key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
    const std::size_t whole = data.size() / 8 * 8;
    for (std::size_t i = 0; i < whole; i += 8)
        s.absorb(load_le(data.data() + i, 8));
    // Final word: remaining bytes plus the message length (mod 256) in the top byte.
    const std::uint64_t last =
        load_le(data.data() + whole, data.size() - whole) | (std::uint64_t{data.size()} << 56);
    s.absorb(last);
    // The "4": four finalisation rounds.
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i)
        s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::uint64_t splitmix64(std::uint64_t& state) {
    state += 0x9e3779b97f4a7c15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

} // namespace multios::net
