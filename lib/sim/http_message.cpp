// HTTP/1.1 framing (RFC 9112, semantics from RFC 9110). Grammar is checked strictly where a
// lax parser would let the two ends disagree on message boundaries (Content-Length, field
// names, obs-fold), and the head is bounded so a peer cannot make us buffer without limit.
#include "sim/http_message.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace multios::net::sim::http {

std::string_view parse_error_name(ParseError e) {
    switch (e) {
    case ParseError::none:
        return "none";
    case ParseError::head_too_large:
        return "head too large";
    case ParseError::bad_start_line:
        return "bad start line";
    case ParseError::bad_version:
        return "unsupported HTTP version";
    case ParseError::bad_header:
        return "bad header field";
    case ParseError::bad_content_length:
        return "bad Content-Length";
    case ParseError::transfer_encoding:
        return "Transfer-Encoding not supported";
    case ParseError::missing_host:
        return "missing or repeated Host";
    case ParseError::no_length:
        return "response without Content-Length";
    }
    return "?";
}

HeadBuffer::Step HeadBuffer::push(char c) {
    // RFC 9112 2.2: "a server that is expecting to receive and parse a request-line SHOULD
    // ignore at least one empty line (CRLF) received prior to the request-line".
    if (len_ == 0 && (c == '\r' || c == '\n')) {
        return Step::more;
    }
    if (len_ == buf_.size()) {
        return Step::overflow;
    }
    buf_[len_++] = c;
    if (len_ >= 4 && std::memcmp(&buf_[len_ - 4], "\r\n\r\n", 4) == 0) {
        return Step::complete;
    }
    return Step::more;
}

namespace {

/// RFC 9110 5.6.2 tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               const auto lower = [](char ch) {
                   return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
               };
               return lower(x) == lower(y);
           });
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Splits off the text up to the next CRLF (the head always ends with one).
std::string_view next_line(std::string_view& rest) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 2);
    return line;
}

/// 1*DIGIT up to `max`; nullopt for anything else (signs, blanks, lists, overflow).
std::optional<std::uint64_t> decimal(std::string_view s, std::uint64_t max) {
    if (s.empty() || s.size() > 19) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v <= max ? std::optional(v) : std::nullopt;
}

/// "HTTP/1.x": the minor version, -1 for another major version, -2 when malformed.
int http_version(std::string_view v) {
    // RFC 9112 2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT (case-sensitive).
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
        v[7] < '0' || v[7] > '9') {
        return -2;
    }
    return v[5] == '1' ? v[7] - '0' : -1;
}

/// What the header fields of either kind of message say about framing and persistence.
struct Fields {
    std::optional<std::uint64_t> content_length;
    bool close = false, keep_alive = false;
    int hosts = 0;
};

ParseError connection_tokens(std::string_view value, Fields& f) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        const std::string_view opt = trim_ows(value.substr(0, comma));
        value.remove_prefix(comma == std::string_view::npos ? value.size() : comma + 1);
        f.close = f.close || iequals(opt, "close");
        f.keep_alive = f.keep_alive || iequals(opt, "keep-alive");
    }
    return ParseError::none;
}

/// RFC 9112 2.2: a bare CR (or a bare LF, which we do not take as a line end) inside a line
/// would let two parsers split the message differently: reject it.
bool has_bare_cr_lf(std::string_view line) {
    return line.find_first_of("\r\n") != std::string_view::npos;
}

ParseError field_line(std::string_view line, Fields& f) {
    // RFC 9112 5.2: obs-fold (a line starting with SP/HTAB) is rejected, as allowed.
    // RFC 9112 5.1: no whitespace between the field name and the colon.
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)) ||
        has_bare_cr_lf(line)) {
        return ParseError::bad_header;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
        // RFC 9110 8.6: Content-Length = 1*DIGIT; differing repeats make the framing
        // ambiguous (request smuggling), so they are an error.
        const auto n = decimal(value, kMaxContentLength);
        if (!n || (f.content_length && *f.content_length != *n)) {
            return ParseError::bad_content_length;
        }
        f.content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
        // RFC 9112 6.1: only chunked framing could follow; this app never sends it.
        return ParseError::transfer_encoding;
    } else if (iequals(name, "connection")) {
        return connection_tokens(value, f);
    } else if (iequals(name, "host")) {
        ++f.hosts;
    }
    return ParseError::none;
}

ParseError field_lines(std::string_view rest, Fields& f) {
    while (!rest.empty()) {
        const std::string_view line = next_line(rest);
        if (line.empty()) {
            break; // the empty line that ends the head
        }
        if (auto e = field_line(line, f); e != ParseError::none) {
            return e;
        }
    }
    return ParseError::none;
}

bool persistent(int minor_version, const Fields& f) {
    // RFC 9112 9.3: close wins; 1.1 persists by default; 1.0 only with keep-alive.
    return !f.close && (minor_version >= 1 || f.keep_alive);
}

} // namespace

ParseError parse_request_head(std::string_view head, Request& out) {
    std::string_view rest = head;
    const std::string_view line = next_line(rest);
    // RFC 9112 3: request-line = method SP request-target SP HTTP-version
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return ParseError::bad_start_line;
    }
    out.method = line.substr(0, sp1);
    out.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!is_token(out.method) || out.target.empty() ||
        std::any_of(out.target.begin(), out.target.end(),
                    [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
        return ParseError::bad_start_line;
    }
    const int minor = http_version(line.substr(sp2 + 1));
    if (minor < 0) {
        return minor == -1 ? ParseError::bad_version : ParseError::bad_start_line;
    }
    out.minor_version = minor;
    Fields f;
    if (auto e = field_lines(rest, f); e != ParseError::none) {
        return e;
    }
    // RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status code to any
    // HTTP/1.1 request message that lacks a Host header field and to any request message that
    // contains more than one Host header field".
    if ((minor >= 1 && f.hosts == 0) || f.hosts > 1) {
        return ParseError::missing_host;
    }
    out.content_length = f.content_length.value_or(0);
    out.keep_alive = persistent(minor, f);
    return ParseError::none;
}

ParseError parse_response_head(std::string_view head, Response& out) {
    std::string_view rest = head;
    const std::string_view line = next_line(rest);
    // RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ') ||
        has_bare_cr_lf(line)) {
        return ParseError::bad_start_line;
    }
    const int minor = http_version(line.substr(0, 8));
    if (minor < 0) {
        return minor == -1 ? ParseError::bad_version : ParseError::bad_start_line;
    }
    const auto code = decimal(line.substr(9, 3), 999);
    if (!code || *code < 100) {
        return ParseError::bad_start_line;
    }
    out.status = static_cast<int>(*code);
    out.minor_version = minor;
    Fields f;
    if (auto e = field_lines(rest, f); e != ParseError::none) {
        return e;
    }
    out.keep_alive = persistent(minor, f);
    out.head_bytes = head.size();
    // RFC 9112 6.3: 1xx, 204 and 304 responses end with their head.
    if (out.status < 200 || out.status == 204 || out.status == 304) {
        out.content_length = 0;
        return ParseError::none;
    }
    if (!f.content_length) {
        // Read-until-close framing (6.3 item 8) would end the connection: not supported.
        return ParseError::no_length;
    }
    out.content_length = *f.content_length;
    return ParseError::none;
}

bool RequestParser::feed(std::span<const std::byte> data,
                         FunctionRef<void(const Request&)> on_request) {
    std::size_t i = 0;
    while (error_ == ParseError::none && i < data.size()) {
        if (body_left_ > 0) {
            const auto n = std::min<std::uint64_t>(body_left_, data.size() - i);
            body_left_ -= n;
            i += static_cast<std::size_t>(n);
            continue;
        }
        const auto step = head_.push(static_cast<char>(data[i++]));
        if (step == HeadBuffer::Step::overflow) {
            error_ = ParseError::head_too_large;
        } else if (step == HeadBuffer::Step::complete) {
            Request r;
            error_ = parse_request_head(head_.text(), r);
            if (error_ == ParseError::none) {
                body_left_ = r.content_length;
                on_request(r);
                head_.clear();
            }
        }
    }
    return error_ == ParseError::none;
}

bool ResponseParser::feed(std::span<const std::byte> data,
                          FunctionRef<void(const Response&)> on_response) {
    std::size_t i = 0;
    while (error_ == ParseError::none && (i < data.size() || (in_body_ && body_left_ == 0))) {
        if (in_body_) {
            const auto n = std::min<std::uint64_t>(body_left_, data.size() - i);
            body_left_ -= n;
            i += static_cast<std::size_t>(n);
            if (body_left_ == 0) {
                in_body_ = false;
                on_response(current_);
            }
            continue;
        }
        const auto step = head_.push(static_cast<char>(data[i++]));
        if (step == HeadBuffer::Step::overflow) {
            error_ = ParseError::head_too_large;
        } else if (step == HeadBuffer::Step::complete) {
            current_ = Response{};
            error_ = parse_response_head(head_.text(), current_);
            head_.clear();
            // An interim response (1xx) is followed by the real one: nothing to report.
            if (error_ == ParseError::none && current_.status >= 200) {
                in_body_ = true;
                body_left_ = current_.content_length;
            }
        }
    }
    return error_ == ParseError::none;
}

std::size_t format_request(std::string_view target, std::string_view host, std::span<char> out) {
    const auto r = fmt::format_to_n(out.data(), out.size(), "GET {} HTTP/1.1\r\nHost: {}\r\n\r\n",
                                    target, host);
    return r.size <= out.size() ? r.size : 0;
}

std::size_t format_response_head(std::uint64_t content_length, bool keep_alive,
                                 std::span<char> out) {
    const auto r = fmt::format_to_n(
        out.data(), out.size(),
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n{}\r\n",
        content_length, keep_alive ? "" : "Connection: close\r\n");
    return r.size <= out.size() ? r.size : 0;
}

std::string_view error_status(ParseError why) {
    // RFC 9110 15.5.1 400, RFC 6585 5 431, RFC 9110 15.6.2 501 and 15.6.6 505.
    switch (why) {
    case ParseError::head_too_large:
        return "431 Request Header Fields Too Large";
    case ParseError::transfer_encoding:
        return "501 Not Implemented";
    case ParseError::bad_version:
        return "505 HTTP Version Not Supported";
    default:
        return "400 Bad Request";
    }
}

std::size_t format_error_response(std::string_view status, std::span<char> out) {
    const auto r =
        fmt::format_to_n(out.data(), out.size(),
                         "HTTP/1.1 {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
    return r.size <= out.size() ? r.size : 0;
}

std::optional<std::uint64_t> size_from_target(std::string_view target) {
    if (target.size() < 2 || target.front() != '/') {
        return std::nullopt;
    }
    return decimal(target.substr(1), kMaxContentLength);
}

} // namespace multios::net::sim::http
