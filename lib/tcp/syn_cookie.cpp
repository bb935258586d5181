#include "tcp/syn_cookie.hpp"

#include <cstddef>

namespace multios::net {

namespace {
constexpr unsigned kHeaderShift = 24; // top byte: time bits and MSS index, whitened
constexpr unsigned kTimeShift = 2;    // within the header byte
constexpr std::uint32_t kTimeMask = 0x3f;
constexpr std::uint32_t kMssMask = 0x3;
constexpr std::uint32_t kMacMask = 0xff'ffff;
} // namespace

SynCookies::SynCookies(std::uint64_t seed)
    : pad_key_(SipKey::from_seed(seed, 0x5359'4e43'4b50ull)),
      mac_key_(SipKey::from_seed(seed, 0x5359'4e43'4b4dull)) {}

const std::array<std::uint16_t, 4>& SynCookies::table_for(const FourTuple& tuple) {
    return tuple.local.is_v4() ? kMssV4 : kMssV6;
}

unsigned SynCookies::mss_index(const FourTuple& tuple, std::uint16_t mss) {
    const auto& table = table_for(tuple);
    unsigned index = 0;
    for (unsigned i = 0; i < table.size(); ++i)
        if (table[i] <= mss)
            index = i;
    return index;
}

std::uint16_t SynCookies::encoded_mss(const FourTuple& tuple, std::uint16_t mss) {
    return table_for(tuple)[mss_index(tuple, mss)];
}

std::int64_t SynCookies::counter(Instant now) {
    // Floor division: an Instant before the (arbitrary) epoch still counts downwards evenly.
    const std::int64_t ns = to_ns(now);
    const std::int64_t period = kPeriod.count();
    return ns >= 0 ? ns / period : -((-(ns + 1)) / period) - 1;
}

std::uint32_t SynCookies::pad(const FourTuple& tuple, std::uint32_t mac24) const {
    std::array<std::uint8_t, kFourTupleBytes + 3> buf{};
    std::array<std::uint8_t, kFourTupleBytes> tuple_buf{};
    std::size_t n = 0;
    for (const std::uint8_t b : encode_four_tuple(tuple, tuple_buf))
        buf[n++] = b;
    for (int shift = 16; shift >= 0; shift -= 8)
        buf[n++] = static_cast<std::uint8_t>(mac24 >> shift);
    return static_cast<std::uint32_t>(siphash24(pad_key_, std::span(buf.data(), n))) & 0xff;
}

std::uint32_t SynCookies::mac(const FourTuple& tuple, std::uint32_t peer_isn, std::int64_t t,
                              unsigned index) const {
    std::array<std::uint8_t, kFourTupleBytes + 4 + 8 + 1> buf{};
    std::array<std::uint8_t, kFourTupleBytes> tuple_buf{};
    const auto encoded = encode_four_tuple(tuple, tuple_buf);
    std::size_t n = 0;
    for (const std::uint8_t b : encoded)
        buf[n++] = b;
    for (int shift = 24; shift >= 0; shift -= 8)
        buf[n++] = static_cast<std::uint8_t>(peer_isn >> shift);
    const auto tu = static_cast<std::uint64_t>(t);
    for (int shift = 56; shift >= 0; shift -= 8)
        buf[n++] = static_cast<std::uint8_t>(tu >> shift);
    buf[n++] = static_cast<std::uint8_t>(index);
    return static_cast<std::uint32_t>(siphash24(mac_key_, std::span(buf.data(), n))) & kMacMask;
}

std::uint32_t SynCookies::make_cookie(const FourTuple& tuple, std::uint32_t peer_isn,
                                      std::uint16_t mss, Instant now) const {
    const std::int64_t t = counter(now);
    const unsigned index = mss_index(tuple, mss);
    const std::uint32_t tag = mac(tuple, peer_isn, t, index);
    const std::uint32_t header =
        ((static_cast<std::uint32_t>(t) & kTimeMask) << kTimeShift) | index;
    return ((header ^ pad(tuple, tag)) << kHeaderShift) | tag;
}

std::optional<std::uint16_t> SynCookies::check_cookie(const FourTuple& tuple,
                                                      std::uint32_t peer_isn, std::uint32_t cookie,
                                                      Instant now) const {
    const std::uint32_t tag = cookie & kMacMask;
    const std::uint32_t header = (cookie >> kHeaderShift) ^ pad(tuple, tag);
    const std::uint32_t t_low = (header >> kTimeShift) & kTimeMask;
    const unsigned index = header & kMssMask;
    const std::int64_t now_t = counter(now);
    // RFC 4987 3.6: only recent cookies count. The low counter bits name which of the
    // kMaxAgePeriods live periods the cookie claims; the MAC covers the full counter, so a
    // cookie 64 periods old cannot alias a live one.
    for (std::int64_t age = 0; age < kMaxAgePeriods; ++age) {
        const std::int64_t t = now_t - age;
        if ((static_cast<std::uint32_t>(t) & kTimeMask) != t_low)
            continue;
        if (mac(tuple, peer_isn, t, index) == tag)
            return table_for(tuple)[index];
        return std::nullopt;
    }
    return std::nullopt;
}

} // namespace multios::net
