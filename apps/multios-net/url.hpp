// `http://HOST[:PORT][/PATH]` URLs for `get`: the host is a numeric IPv4 address or a bracketed
// IPv6 literal (RFC 3986 3.2.2); there is no resolver yet. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include <multios/net/address.hpp>

namespace multios::net::app {

struct HttpUrl {
    IpAddress host;
    std::uint16_t port = 80;
    /// Origin-form request target (RFC 9112 3.2.1): path and query, never empty ("/").
    std::string target;
    /// Value of the Host header (RFC 9110 7.2): the authority as written, brackets included.
    std::string authority;
};

/// Parses an http:// URL. On failure returns a one-line reason ("'x': port out of range").
std::variant<HttpUrl, std::string> parse_http_url(std::string_view url);

} // namespace multios::net::app
