// A TCP connection's identity: both endpoints' addresses and ports (RFC 9293 3.3.1 "socket
// pair"). Also the canonical byte encoding that the keyed hashes (ISN, SYN cookies, port
// selection, connection tables) read, so that all of them hash the same fields the same way.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <multios/net/address.hpp>

#include "ip/siphash.hpp"

namespace multios::net {

struct FourTuple {
    IpAddress local;
    IpAddress remote;
    std::uint16_t local_port = 0;
    std::uint16_t remote_port = 0;

    friend bool operator==(const FourTuple&, const FourTuple&) = default;
};

/// Bytes of an encoded tuple: family tag, two IPv6-sized addresses, two ports.
inline constexpr std::size_t kFourTupleBytes = 1 + 16 + 16 + 2 + 2;

namespace detail {
inline std::size_t put_address(std::uint8_t* out, const IpAddress& a) {
    if (a.is_v4()) {
        for (std::size_t i = 0; i < 4; ++i)
            out[i] = a.v4().bytes[i];
        return 4;
    }
    for (std::size_t i = 0; i < 16; ++i)
        out[i] = a.v6().bytes[i];
    return 16;
}
} // namespace detail

/// Writes the canonical encoding of `t` into `out` and returns the bytes used. The family tag
/// keeps a v4 tuple from ever encoding like a v6 one. `with_local_port = false` leaves the
/// local port out (RFC 6056 port selection hashes the tuple before that port exists).
inline std::span<const std::uint8_t>
encode_four_tuple(const FourTuple& t, std::array<std::uint8_t, kFourTupleBytes>& out,
                  bool with_local_port = true) {
    std::size_t n = 0;
    out[n++] = static_cast<std::uint8_t>((t.local.is_v4() ? 0 : 1) | (t.remote.is_v4() ? 0 : 2));
    n += detail::put_address(out.data() + n, t.local);
    n += detail::put_address(out.data() + n, t.remote);
    if (with_local_port) {
        out[n++] = static_cast<std::uint8_t>(t.local_port >> 8);
        out[n++] = static_cast<std::uint8_t>(t.local_port);
    }
    out[n++] = static_cast<std::uint8_t>(t.remote_port >> 8);
    out[n++] = static_cast<std::uint8_t>(t.remote_port);
    return std::span<const std::uint8_t>(out.data(), n);
}

/// Keyed hash of a tuple for connection tables: SipHash-2-4, so that a remote peer that picks
/// its addresses and ports cannot aim many connections at one bucket.
inline std::uint64_t hash_four_tuple(const SipKey& key, const FourTuple& t) {
    std::array<std::uint8_t, kFourTupleBytes> buf{};
    return siphash24(key, encode_four_tuple(t, buf));
}

} // namespace multios::net
