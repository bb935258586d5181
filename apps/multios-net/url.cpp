// URL parsing for `get` (RFC 3986 3: scheme "://" authority path-abempty ["?" query]).
#include "url.hpp"

#include <charconv>

#include <fmt/format.h>

namespace multios::net::app {

namespace {

constexpr std::string_view kScheme = "http://";

/// True for bytes that may appear unescaped in a request target we send: visible ASCII.
/// Spaces and control bytes would split or corrupt the request line (RFC 9112 3).
bool target_char_ok(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f;
}

std::variant<std::uint16_t, std::string> parse_port(std::string_view url, std::string_view p) {
    // RFC 3986 3.2.3: an empty port is allowed and means the default.
    if (p.empty())
        return std::uint16_t{80};
    unsigned value = 0;
    const auto* end = p.data() + p.size();
    auto [ptr, ec] = std::from_chars(p.data(), end, value);
    if (ec != std::errc{} || ptr != end || p.size() > 5)
        return fmt::format("'{}': invalid port '{}'", url, p);
    if (value == 0 || value > 65535)
        return fmt::format("'{}': port {} out of range 1-65535", url, p);
    return static_cast<std::uint16_t>(value);
}

/// Splits an authority into host text and port text; IPv6 literals are in brackets.
std::variant<std::pair<std::string_view, std::string_view>, std::string>
split_authority(std::string_view url, std::string_view auth) {
    if (auth.find('@') != std::string_view::npos)
        return fmt::format("'{}': user information in URLs is not supported", url);
    if (!auth.empty() && auth.front() == '[') {
        const auto close = auth.find(']');
        if (close == std::string_view::npos)
            return fmt::format("'{}': '[' without ']' in the host", url);
        const auto rest = auth.substr(close + 1);
        if (!rest.empty() && rest.front() != ':')
            return fmt::format("'{}': unexpected text after ']'", url);
        return std::pair{auth.substr(1, close - 1), rest.empty() ? rest : rest.substr(1)};
    }
    const auto colon = auth.find(':');
    if (colon != auth.rfind(':'))
        return fmt::format("'{}': IPv6 hosts are written in brackets, IPv4 hosts without", url);
    if (colon == std::string_view::npos)
        return std::pair{auth, std::string_view{}};
    return std::pair{auth.substr(0, colon), auth.substr(colon + 1)};
}

} // namespace

std::variant<HttpUrl, std::string> parse_http_url(std::string_view url) {
    if (!url.starts_with(kScheme))
        return fmt::format("'{}' is not an http:// URL", url);
    const auto rest = url.substr(kScheme.size());
    const auto path_at = rest.find_first_of("/?#");
    const auto auth = rest.substr(0, path_at);
    auto split = split_authority(url, auth);
    if (auto* e = std::get_if<std::string>(&split))
        return *e;
    const auto [host_text, port_text] = std::get<0>(split);
    if (host_text.empty())
        return fmt::format("'{}' has no host", url);
    HttpUrl out;
    auto host = IpAddress::parse(host_text);
    if (!host)
        return fmt::format("'{}': host '{}' is not a numeric IPv4 or [IPv6] address", url,
                           host_text);
    const bool bracketed = auth.front() == '[';
    if (host->is_v6() != bracketed)
        return fmt::format("'{}': IPv6 hosts are written in brackets, IPv4 hosts without", url);
    out.host = *host;
    auto port = parse_port(url, port_text);
    if (auto* e = std::get_if<std::string>(&port))
        return *e;
    out.port = std::get<std::uint16_t>(port);
    out.authority = std::string(auth);
    std::string_view target = path_at == std::string_view::npos ? "" : rest.substr(path_at);
    // The fragment is for the client only (RFC 9110 7.1): never sent.
    target = target.substr(0, target.find('#'));
    for (char c : target)
        if (!target_char_ok(c))
            return fmt::format("'{}': the path has a space or control character (escape it)", url);
    // Built by appending: g++ 12 -O3 warns (-Wrestrict, falsely) about "/" + std::string.
    if (target.empty() || target.front() != '/')
        out.target.push_back('/');
    out.target.append(target);
    return out;
}

} // namespace multios::net::app
