// TCP sequence numbers. Read first: RFC 9293 3.4 ("Sequence Numbers": all arithmetic is modulo
// 2^32) and RFC 1982 (serial number arithmetic, SERIAL_BITS = 32).
//
// SeqNum is a strong type over uint32_t. Its ordering is the RFC 1982 one, computed through the
// signed 32-bit difference: a < b iff (int32)(a - b) < 0. That is only meaningful while the two
// numbers are less than 2^31 apart; TCP guarantees it because windows are at most 2^30 (RFC 7323
// 2.3). Numbers exactly 2^31 apart are "undefined" in RFC 1982; here each compares less than the
// other, so callers must never rely on that case.
//
// There is deliberately no operator<=>: the order is not transitive over the whole circle.
#pragma once

#include <cstdint>

namespace multios::net::tcp {

class SeqNum {
  public:
    constexpr SeqNum() = default;
    constexpr explicit SeqNum(std::uint32_t value) : value_(value) {}

    /// The raw 32-bit value, as carried in the TCP header.
    constexpr std::uint32_t value() const { return value_; }

    friend constexpr bool operator==(SeqNum a, SeqNum b) = default;

    // RFC 1982 3.2: i1 < i2 iff the forward distance from i1 to i2 is in (0, 2^31).
    friend constexpr bool operator<(SeqNum a, SeqNum b) { return diff(a, b) < 0; }
    friend constexpr bool operator>(SeqNum a, SeqNum b) { return diff(a, b) > 0; }
    friend constexpr bool operator<=(SeqNum a, SeqNum b) { return diff(a, b) <= 0; }
    friend constexpr bool operator>=(SeqNum a, SeqNum b) { return diff(a, b) >= 0; }

    /// RFC 1982 3.1: addition of a non-negative offset, modulo 2^32.
    friend constexpr SeqNum operator+(SeqNum a, std::uint32_t n) { return SeqNum(a.value_ + n); }
    friend constexpr SeqNum operator-(SeqNum a, std::uint32_t n) { return SeqNum(a.value_ - n); }
    constexpr SeqNum& operator+=(std::uint32_t n) {
        value_ += n;
        return *this;
    }
    constexpr SeqNum& operator-=(std::uint32_t n) {
        value_ -= n;
        return *this;
    }

  private:
    /// a - b as a signed 32-bit number (C++20: the conversion is defined modulo 2^32).
    static constexpr std::int32_t diff(SeqNum a, SeqNum b) {
        return static_cast<std::int32_t>(a.value_ - b.value_);
    }

    std::uint32_t value_ = 0;
};

/// Forward distance from `from` to `to` (to - from modulo 2^32): the number of sequence numbers
/// to advance from `from` to reach `to`.
constexpr std::uint32_t seq_distance(SeqNum from, SeqNum to) {
    return to.value() - from.value();
}

/// Signed distance to - from: negative when `to` is before `from` in RFC 1982 order.
constexpr std::int32_t seq_signed_distance(SeqNum from, SeqNum to) {
    return static_cast<std::int32_t>(to.value() - from.value());
}

/// start <= x < start + len, wrap-safe (a single unsigned comparison of the forward distance).
/// A zero-length window contains nothing; RFC 9293 3.10.7.4's special cases for a zero receive
/// window are the caller's.
constexpr bool in_window(SeqNum x, SeqNum start, std::uint32_t len) {
    return seq_distance(start, x) < len;
}

constexpr SeqNum seq_min(SeqNum a, SeqNum b) {
    return b < a ? b : a;
}
constexpr SeqNum seq_max(SeqNum a, SeqNum b) {
    return a < b ? b : a;
}

} // namespace multios::net::tcp
