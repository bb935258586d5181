// Internet checksum (RFC 1071) and pseudo-headers (RFC 768, RFC 9293 3.1, RFC 8200 8.1).
//
// Speed: the sum is computed over native-endian 64-bit loads with end-around carry. RFC 1071
// 2(B) shows the ones'-complement sum is byte-order independent up to a final byte swap, and
// 2^16 == 1 (mod 2^16 - 1) makes summing wider words equivalent to summing 16-bit words.
#include <multios/net/wire/checksum.hpp>

#include <bit>
#include <cstring>

namespace multios::net::wire {

namespace {

std::uint16_t swap16(std::uint16_t v) {
    return static_cast<std::uint16_t>((v << 8) | (v >> 8));
}

/// Folds a wide ones'-complement sum to 16 bits with end-around carries.
std::uint16_t fold(std::uint64_t s) {
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffffffu) + (s >> 32);
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    s = (s & 0xffffu) + (s >> 16);
    return static_cast<std::uint16_t>(s);
}

std::uint64_t load64(const std::byte* p) {
    std::uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
}

/// Adds with end-around carry (ones'-complement addition on 64 bits).
std::uint64_t add_carry(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t s = a + b;
    return s + (s < a ? 1 : 0);
}

/// Ones'-complement sum of `n` bytes starting at an even offset, as a big-endian 16-bit value.
/// An odd final byte is padded with a zero byte on the right (RFC 1071 4.1).
std::uint16_t sum_piece(const std::byte* p, std::size_t n) {
    std::uint64_t a = 0;
    std::uint64_t b = 0; // two accumulators break the carry dependency chain
    while (n >= 32) {
        a = add_carry(a, load64(p));
        b = add_carry(b, load64(p + 8));
        a = add_carry(a, load64(p + 16));
        b = add_carry(b, load64(p + 24));
        p += 32;
        n -= 32;
    }
    while (n >= 8) {
        a = add_carry(a, load64(p));
        p += 8;
        n -= 8;
    }
    // The tail in fixed-size loads (a variable-length copy costs a library call): each 16-bit
    // lane stays at an even offset, which is all the end-around-carry sum needs.
    if (n >= 4) {
        std::uint32_t v;
        std::memcpy(&v, p, 4);
        a = add_carry(a, v);
        p += 4;
        n -= 4;
    }
    if (n >= 2) {
        std::uint16_t v;
        std::memcpy(&v, p, 2);
        b = add_carry(b, v);
        p += 2;
        n -= 2;
    }
    if (n > 0) {
        // RFC 1071 4.1: an odd last byte is the high-order byte of a zero-padded word.
        const auto last = static_cast<std::uint64_t>(std::to_integer<std::uint8_t>(*p));
        b = add_carry(b, std::endian::native == std::endian::little ? last : last << 8);
    }
    const std::uint16_t native = fold(add_carry(a, b));
    if constexpr (std::endian::native == std::endian::little) {
        return swap16(native);
    } else {
        return native;
    }
}

} // namespace

void ChecksumAccumulator::add(Bytes data) {
    if (data.empty()) {
        return;
    }
    std::uint16_t piece = sum_piece(data.data(), data.size());
    // A piece that starts on an odd offset has its bytes in the other halves of the 16-bit
    // words: its sum is the byte-swapped sum (RFC 1071 2(B)).
    if (odd_) {
        piece = swap16(piece);
    }
    sum_ += piece;
    odd_ = odd_ != ((data.size() & 1) != 0);
}

void ChecksumAccumulator::add_u16(std::uint16_t v) {
    sum_ += v;
}

void ChecksumAccumulator::add_u32(std::uint32_t v) {
    sum_ += (v >> 16);
    sum_ += (v & 0xffffu);
}

std::uint16_t ChecksumAccumulator::finish() const {
    return static_cast<std::uint16_t>(~fold(sum_));
}

bool ChecksumAccumulator::verifies() const {
    return fold(sum_) == 0xffff;
}

std::uint16_t internet_checksum(Bytes data) {
    ChecksumAccumulator acc;
    acc.add(data);
    return acc.finish();
}

ChecksumAccumulator pseudo_header_v4(const Ipv4Address& src, const Ipv4Address& dst,
                                     std::uint8_t proto, std::uint32_t upper_len) {
    // RFC 9293 3.1: source, destination, zero, PTCL, TCP length (16 bits).
    ChecksumAccumulator acc;
    acc.add(as_bytes(src.bytes.data(), src.bytes.size()));
    acc.add(as_bytes(dst.bytes.data(), dst.bytes.size()));
    acc.add_u16(proto);
    acc.add_u32(upper_len);
    return acc;
}

ChecksumAccumulator pseudo_header_v6(const Ipv6Address& src, const Ipv6Address& dst,
                                     std::uint8_t next_header, std::uint32_t upper_len) {
    // RFC 8200 8.1: source, destination, 32-bit upper-layer length, 3 zero bytes, next header.
    ChecksumAccumulator acc;
    acc.add(as_bytes(src.bytes.data(), src.bytes.size()));
    acc.add(as_bytes(dst.bytes.data(), dst.bytes.size()));
    acc.add_u32(upper_len);
    acc.add_u16(next_header);
    return acc;
}

} // namespace multios::net::wire
