// Helpers shared by the wire-layer unit tests: hex literals to bytes, small packet builders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <multios/net/wire/bytes.hpp>

namespace multios::net::wire::test {

using Buf = std::vector<std::byte>;

/// "45 00 ab" or "4500ab" to bytes; whitespace is ignored.
inline Buf hex(std::string_view s) {
    Buf out;
    int hi = -1;
    for (char c : s) {
        int v;
        if (c >= '0' && c <= '9') {
            v = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            v = c - 'a' + 10;
        } else if (c >= 'A' && c <= 'F') {
            v = c - 'A' + 10;
        } else if (c == ' ' || c == '\n') {
            continue;
        } else {
            throw std::invalid_argument("bad hex");
        }
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::byte>(hi * 16 + v));
            hi = -1;
        }
    }
    if (hi >= 0) {
        throw std::invalid_argument("odd hex");
    }
    return out;
}

inline Bytes view(const Buf& b) {
    return {b.data(), b.size()};
}
inline MutBytes mut(Buf& b) {
    return {b.data(), b.size()};
}
inline std::uint8_t at(const Buf& b, std::size_t i) {
    return static_cast<std::uint8_t>(b[i]);
}
inline void set(Buf& b, std::size_t i, std::uint8_t v) {
    b[i] = static_cast<std::byte>(v);
}

/// True when `inner` lies entirely inside `outer` (spans must point into the input).
inline bool within(Bytes inner, Bytes outer) {
    return inner.data() >= outer.data() &&
           inner.data() + inner.size() <= outer.data() + outer.size();
}

/// Copies of the first n bytes, on the heap, so ASan catches any read past the prefix.
inline Buf prefix(const Buf& b, std::size_t n) {
    return Buf(b.begin(), b.begin() + n);
}

} // namespace multios::net::wire::test
