// Link-layer and IP addresses: small value types, parsed from and formatted to text.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace multios::net {

/// 48-bit Ethernet MAC address, network byte order.
struct MacAddress {
    std::array<std::uint8_t, 6> bytes{};

    static std::optional<MacAddress> parse(std::string_view text); ///< "aa:bb:cc:dd:ee:ff"
    static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
    constexpr bool is_broadcast() const { return *this == broadcast(); }
    constexpr bool is_multicast() const { return (bytes[0] & 1) != 0; }
    constexpr bool is_zero() const { return *this == MacAddress{}; }
    std::string to_string() const;
    friend constexpr auto operator<=>(const MacAddress&, const MacAddress&) = default;
};

/// IPv4 address stored in network byte order.
struct Ipv4Address {
    std::array<std::uint8_t, 4> bytes{};

    static std::optional<Ipv4Address> parse(std::string_view text);
    static constexpr Ipv4Address from_u32(std::uint32_t host_order) {
        return {{static_cast<std::uint8_t>(host_order >> 24),
                 static_cast<std::uint8_t>(host_order >> 16),
                 static_cast<std::uint8_t>(host_order >> 8),
                 static_cast<std::uint8_t>(host_order)}};
    }
    constexpr std::uint32_t to_u32() const {
        return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
               (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
    }
    constexpr bool is_unspecified() const { return to_u32() == 0; }
    constexpr bool is_broadcast() const { return to_u32() == 0xffffffffu; }
    constexpr bool is_multicast() const { return (bytes[0] & 0xf0) == 0xe0; }
    constexpr bool is_loopback() const { return bytes[0] == 127; }
    std::string to_string() const;
    friend constexpr auto operator<=>(const Ipv4Address&, const Ipv4Address&) = default;
};

/// IPv6 address, network byte order.
struct Ipv6Address {
    std::array<std::uint8_t, 16> bytes{};

    static std::optional<Ipv6Address> parse(std::string_view text);
    constexpr bool is_unspecified() const { return *this == Ipv6Address{}; }
    constexpr bool is_multicast() const { return bytes[0] == 0xff; }
    constexpr bool is_link_local() const { return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80; }
    constexpr bool is_loopback() const {
        Ipv6Address lo{};
        lo.bytes[15] = 1;
        return *this == lo;
    }
    /// ff02::1:ffXX:XXXX for this address (RFC 4291 2.7.1).
    constexpr Ipv6Address solicited_node() const {
        Ipv6Address m{
            {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, bytes[13], bytes[14], bytes[15]}};
        return m;
    }
    /// Multicast MAC 33:33:xx:xx:xx:xx for a multicast address (RFC 2464 7).
    constexpr MacAddress multicast_mac() const {
        return {{0x33, 0x33, bytes[12], bytes[13], bytes[14], bytes[15]}};
    }
    static constexpr Ipv6Address all_nodes() {
        return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}};
    }
    static constexpr Ipv6Address all_routers() {
        return {{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02}};
    }
    /// fe80::/64 with a modified EUI-64 interface identifier from a MAC (RFC 4291 App. A).
    static constexpr Ipv6Address link_local_from_mac(const MacAddress& mac) {
        Ipv6Address a{{0xfe, 0x80}};
        a.bytes[8] = mac.bytes[0] ^ 0x02;
        a.bytes[9] = mac.bytes[1];
        a.bytes[10] = mac.bytes[2];
        a.bytes[11] = 0xff;
        a.bytes[12] = 0xfe;
        a.bytes[13] = mac.bytes[3];
        a.bytes[14] = mac.bytes[4];
        a.bytes[15] = mac.bytes[5];
        return a;
    }
    std::string to_string() const;
    friend constexpr auto operator<=>(const Ipv6Address&, const Ipv6Address&) = default;
};

/// Either address family.
class IpAddress {
  public:
    constexpr IpAddress() = default;
    constexpr IpAddress(Ipv4Address a) : v_(a) {}
    constexpr IpAddress(Ipv6Address a) : v_(a) {}
    static std::optional<IpAddress> parse(std::string_view text);

    constexpr bool is_v4() const { return v_.index() == 0; }
    constexpr bool is_v6() const { return v_.index() == 1; }
    constexpr const Ipv4Address& v4() const { return std::get<0>(v_); }
    constexpr const Ipv6Address& v6() const { return std::get<1>(v_); }
    std::string to_string() const;
    friend constexpr bool operator==(const IpAddress&, const IpAddress&) = default;

  private:
    std::variant<Ipv4Address, Ipv6Address> v_{};
};

/// An address with a prefix length, as written "10.0.0.2/24" or "fd00::2/64".
struct IpPrefix {
    IpAddress address;
    std::uint8_t length = 0;

    /// Parses "ADDR/LEN"; a bare address gets /32 or /128.
    static std::optional<IpPrefix> parse(std::string_view text);
    /// True when `a` is in this prefix (same family, same leading `length` bits).
    bool contains(const IpAddress& a) const;
    std::string to_string() const;
    friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

/// True when the first `len` bits of two byte strings are equal.
bool prefix_bits_equal(const std::uint8_t* a, const std::uint8_t* b, unsigned len);

} // namespace multios::net
