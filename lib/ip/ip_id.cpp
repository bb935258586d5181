#include "ip/ip_id.hpp"

#include <algorithm>

namespace multios::net {
namespace detail {

// Domain constants keep the ID keys independent of other keys derived from the same seed.
KeyedIdCounter::KeyedIdCounter(std::uint64_t seed, std::uint64_t domain)
    : key_(SipKey::from_seed(seed, domain)) {
    // Counters start at random values too, so the first ID of a bucket reveals nothing.
    std::uint64_t s = seed ^ (domain << 32);
    for (auto& c : counters_)
        c = static_cast<std::uint32_t>(splitmix64(s));
}

std::uint32_t KeyedIdCounter::next(std::span<const std::uint8_t> flow) {
    // One keyed hash per packet: its low half is the flow's secret offset, its high half picks
    // the counter, so the two stay unrelated to anyone without the key.
    const std::uint64_t h = siphash24(key_, flow);
    const auto offset = static_cast<std::uint32_t>(h);
    const auto bucket = (h >> 32) % kBuckets;
    return offset + counters_[bucket]++;
}

} // namespace detail

Ipv4IdGenerator::Ipv4IdGenerator(std::uint64_t seed) : gen_(seed, 0x49504944'76340000ull) {}

std::uint16_t Ipv4IdGenerator::next(const Ipv4Address& src, const Ipv4Address& dst,
                                    std::uint8_t protocol) {
    std::array<std::uint8_t, 9> flow{};
    std::copy(src.bytes.begin(), src.bytes.end(), flow.begin());
    std::copy(dst.bytes.begin(), dst.bytes.end(), flow.begin() + 4);
    flow[8] = protocol;
    return static_cast<std::uint16_t>(gen_.next(flow));
}

Ipv6FragmentIdGenerator::Ipv6FragmentIdGenerator(std::uint64_t seed)
    : gen_(seed, 0x49504944'76360000ull) {}

std::uint32_t Ipv6FragmentIdGenerator::next(const Ipv6Address& src, const Ipv6Address& dst) {
    std::array<std::uint8_t, 32> flow{};
    std::copy(src.bytes.begin(), src.bytes.end(), flow.begin());
    std::copy(dst.bytes.begin(), dst.bytes.end(), flow.begin() + 16);
    return gen_.next(flow);
}

} // namespace multios::net
