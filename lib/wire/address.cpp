// Text forms of link-layer and IP addresses.
//   MAC:  "aa:bb:cc:dd:ee:ff" (IEEE 802 canonical form, lower case on output).
//   IPv4: dotted quad (RFC 791 / inet_pton: exactly four decimal parts, no leading zeros).
//   IPv6: RFC 4291 2.2 on input (via inet_pton, so no zone "%eth0"); RFC 5952 on output.
#include <multios/net/address.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace multios::net {

namespace {

/// Longest textual form we accept; anything longer is not an address.
constexpr std::size_t kMaxAddressText = 64;

/// Copies `text` into a NUL-terminated buffer for inet_pton; false if too long or if it has an
/// embedded NUL (which inet_pton would silently stop at).
bool to_cstr(std::string_view text, char (&buf)[kMaxAddressText]) {
    if (text.size() >= sizeof(buf) || text.find('\0') != std::string_view::npos) {
        return false;
    }
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    return true;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// Parses a decimal prefix length with no sign, no leading zeros beyond "0", at most `max`.
std::optional<std::uint8_t> parse_prefix_len(std::string_view s, unsigned max) {
    if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) {
        return std::nullopt;
    }
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || v > max) {
        return std::nullopt;
    }
    return static_cast<std::uint8_t>(v);
}

/// Finds the longest run of at least two zero 16-bit groups, the first one on a tie
/// (RFC 5952 4.2.2 and 4.2.3). Returns {start, length}; length 0 when there is none.
std::pair<int, int> longest_zero_run(const std::uint16_t (&g)[8]) {
    int best_start = -1;
    int best_len = 0;
    for (int i = 0; i < 8;) {
        if (g[i] != 0) {
            ++i;
            continue;
        }
        int j = i;
        while (j < 8 && g[j] == 0) {
            ++j;
        }
        if (j - i > best_len) {
            best_start = i;
            best_len = j - i;
        }
        i = j;
    }
    if (best_len < 2) {
        return {-1, 0};
    }
    return {best_start, best_len};
}

} // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    // Exactly six two-digit hex groups separated by ':' (17 characters).
    if (text.size() != 17) {
        return std::nullopt;
    }
    MacAddress m;
    for (std::size_t i = 0; i < 6; ++i) {
        const std::size_t at = i * 3;
        if (i > 0 && text[at - 1] != ':') {
            return std::nullopt;
        }
        const int hi = hex_value(text[at]);
        const int lo = hex_value(text[at + 1]);
        if (hi < 0 || lo < 0) {
            return std::nullopt;
        }
        m.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return m;
}

std::string MacAddress::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2],
                  bytes[3], bytes[4], bytes[5]);
    return buf;
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    char buf[kMaxAddressText];
    Ipv4Address a;
    if (!to_cstr(text, buf) || inet_pton(AF_INET, buf, a.bytes.data()) != 1) {
        return std::nullopt;
    }
    return a;
}

std::string Ipv4Address::to_string() const {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
    return buf;
}

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
    char buf[kMaxAddressText];
    Ipv6Address a;
    if (!to_cstr(text, buf) || inet_pton(AF_INET6, buf, a.bytes.data()) != 1) {
        return std::nullopt;
    }
    return a;
}

std::string Ipv6Address::to_string() const {
    std::uint16_t g[8];
    for (int i = 0; i < 8; ++i) {
        g[i] = static_cast<std::uint16_t>((bytes[2 * i] << 8) | bytes[2 * i + 1]);
    }
    // RFC 5952 5: IPv4-mapped addresses keep the dotted quad ("::ffff:192.0.2.1").
    if (g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff) {
        Ipv4Address v4{{bytes[12], bytes[13], bytes[14], bytes[15]}};
        return "::ffff:" + v4.to_string();
    }
    const auto [zstart, zlen] = longest_zero_run(g);
    std::string out;
    out.reserve(39);
    char part[6];
    for (int i = 0; i < 8; ++i) {
        if (i == zstart) {
            out += "::";
            i += zlen - 1;
            continue;
        }
        if (!out.empty() && out.back() != ':') {
            out += ':';
        }
        std::snprintf(part, sizeof(part), "%x", g[i]);
        out += part;
    }
    return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.find(':') != std::string_view::npos) {
        if (auto a = Ipv6Address::parse(text)) {
            return IpAddress(*a);
        }
        return std::nullopt;
    }
    if (auto a = Ipv4Address::parse(text)) {
        return IpAddress(*a);
    }
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    return is_v4() ? v4().to_string() : v6().to_string();
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto addr = IpAddress::parse(text.substr(0, slash));
    if (!addr) {
        return std::nullopt;
    }
    const unsigned max = addr->is_v4() ? 32 : 128;
    if (slash == std::string_view::npos) {
        return IpPrefix{*addr, static_cast<std::uint8_t>(max)};
    }
    auto len = parse_prefix_len(text.substr(slash + 1), max);
    if (!len) {
        return std::nullopt;
    }
    return IpPrefix{*addr, *len};
}

bool IpPrefix::contains(const IpAddress& a) const {
    if (a.is_v4() != address.is_v4()) {
        return false;
    }
    if (a.is_v4()) {
        return length <= 32 &&
               prefix_bits_equal(address.v4().bytes.data(), a.v4().bytes.data(), length);
    }
    return length <= 128 &&
           prefix_bits_equal(address.v6().bytes.data(), a.v6().bytes.data(), length);
}

std::string IpPrefix::to_string() const {
    return address.to_string() + "/" + std::to_string(unsigned{length});
}

bool prefix_bits_equal(const std::uint8_t* a, const std::uint8_t* b, unsigned len) {
    const unsigned full = len / 8;
    if (std::memcmp(a, b, full) != 0) {
        return false;
    }
    const unsigned rest = len % 8;
    if (rest == 0) {
        return true;
    }
    const auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
    return ((a[full] ^ b[full]) & mask) == 0;
}

} // namespace multios::net
