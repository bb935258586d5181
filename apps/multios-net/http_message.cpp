// HTTP/1.1 message syntax (RFC 9112) and the bits of semantics (RFC 9110) the static server and
// the `get` client need. See http_message.hpp for the contracts.
#include "http_message.hpp"

#include <array>
#include <charconv>

#include <fmt/format.h>

namespace multios::net::app::http {

namespace {

constexpr std::string_view kWhitespace = " \t";

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos)
        return {};
    const auto last = s.find_last_not_of(kWhitespace);
    return s.substr(first, last - first + 1);
}

/// RFC 9110 5.6.2 tchar.
bool is_tchar(char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    if (s.empty())
        return false;
    for (char c : s)
        if (!is_tchar(c))
            return false;
    return true;
}

/// RFC 9110 5.5: field values are visible characters, SP, HTAB and obs-text; never CR, LF
/// or NUL (a bare CR or NUL in a value is how request smuggling and header injection start).
bool field_value_ok(std::string_view v) {
    for (char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f)
            return false;
    }
    return true;
}

/// The lines of a head: start line and field lines, without their line endings.
struct HeadLines {
    ParseStatus status = ParseStatus::kIncomplete;
    std::size_t head_bytes = 0;
    std::size_t lines_begin = 0; ///< After any leading empty lines.
};

/// Finds the empty line ending the head at the front of `buf`. `skip_leading_empty`: a server
/// ignores empty lines before a request-line (RFC 9112 2.2).
HeadLines find_head(std::string_view buf, bool skip_leading_empty) {
    HeadLines h;
    std::size_t pos = 0;
    bool first = true;
    while (pos < buf.size()) {
        const auto nl = buf.find('\n', pos);
        if (nl == std::string_view::npos)
            break;
        const std::size_t len = nl - pos - (nl > pos && buf[nl - 1] == '\r' ? 1 : 0);
        if (len == 0 && first && skip_leading_empty) {
            pos = nl + 1;
            h.lines_begin = pos;
            continue;
        }
        if (len == 0 && !first) {
            h.status = ParseStatus::kComplete;
            h.head_bytes = nl + 1;
            return h;
        }
        if (len == 0)
            return h; // an empty start line: the caller reports it as malformed
        first = false;
        pos = nl + 1;
    }
    return h;
}

/// Calls `fn(line)` for each line of [begin, end); stops when fn returns false.
template <typename Fn>
bool for_each_line(std::string_view head, std::size_t begin, Fn&& fn) {
    std::size_t pos = begin;
    while (pos < head.size()) {
        const auto nl = head.find('\n', pos);
        auto line = head.substr(pos, nl - pos);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty())
            return true;
        if (!fn(line))
            return false;
        pos = nl + 1;
    }
    return true;
}

struct Field {
    std::string_view name;
    std::string_view value;
};

/// RFC 9112 5.1: field-line = field-name ":" OWS field-value OWS. No whitespace before the
/// colon (a server MUST reject it, 5.1) and no obs-fold (5.2: we reject).
std::optional<Field> parse_field(std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    Field f{line.substr(0, colon), trim(line.substr(colon + 1))};
    if (!is_token(f.name) || !field_value_ok(f.value))
        return std::nullopt;
    return f;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
    if (s.empty() || s.size() > 18)
        return std::nullopt;
    std::uint64_t v = 0;
    const auto* end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, v);
    if (ec != std::errc{} || ptr != end)
        return std::nullopt;
    return v;
}

/// Content-Length (RFC 9110 8.6): digits only; a repeat must carry the same value.
bool merge_content_length(std::optional<std::uint64_t>& have, std::string_view value) {
    const auto v = parse_decimal(value);
    if (!v || (have && *have != *v))
        return false;
    have = v;
    return true;
}

/// Calls `fn(token)` for each element of a comma-separated list (RFC 9110 5.6.1).
template <typename Fn>
void for_each_list_item(std::string_view value, Fn&& fn) {
    while (!value.empty()) {
        const auto comma = value.find(',');
        const auto item = trim(value.substr(0, comma));
        if (!item.empty())
            fn(item);
        if (comma == std::string_view::npos)
            break;
        value.remove_prefix(comma + 1);
    }
}

/// The Connection options that decide persistence (RFC 9112 9.3).
struct ConnectionOptions {
    bool close = false;
    bool keep_alive = false;
};

void note_connection(ConnectionOptions& c, std::string_view value) {
    for_each_list_item(value, [&](std::string_view item) {
        c.close = c.close || iequals(item, "close");
        c.keep_alive = c.keep_alive || iequals(item, "keep-alive");
    });
}

/// "HTTP/1.x" -> x; nullopt for other majors or malformed text.
std::optional<unsigned> parse_version(std::string_view v) {
    if (v.size() != 8 || !v.starts_with("HTTP/") || v[6] != '.')
        return std::nullopt;
    if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
        return std::nullopt;
    return static_cast<unsigned>(v[7] - '0');
}

bool is_http_version_text(std::string_view v) {
    return v.size() == 8 && v.starts_with("HTTP/") && v[6] == '.';
}

Method classify_method(std::string_view m) {
    // Methods are case-sensitive (RFC 9110 9.1).
    if (m == "GET")
        return Method::kGet;
    if (m == "HEAD")
        return Method::kHead;
    static constexpr std::array<std::string_view, 7> kKnown = {
        "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (auto k : kKnown)
        if (m == k)
            return Method::kOtherKnown;
    return Method::kUnknown;
}

RequestParse request_error(int status) {
    RequestParse r;
    r.status = ParseStatus::kError;
    r.error_status = status;
    return r;
}

/// request-line = method SP request-target SP HTTP-version (RFC 9112 3), single spaces.
bool parse_request_line(std::string_view line, Request& req, int& error_status) {
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        error_status = 400;
        return false;
    }
    req.method_text = line.substr(0, sp1);
    req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto version = line.substr(sp2 + 1);
    if (!is_token(req.method_text) || req.target.empty() || !field_value_ok(req.target) ||
        req.target.find('\t') != std::string_view::npos || !is_http_version_text(version)) {
        error_status = 400;
        return false;
    }
    const auto minor = parse_version(version);
    if (!minor || version[5] != '1') {
        error_status = 505; // RFC 9110 15.6.6: major version not supported
        return false;
    }
    req.version_minor = *minor;
    req.method = classify_method(req.method_text);
    return true;
}

} // namespace

RequestParse parse_request_head(std::string_view buffered) {
    const auto window = buffered.substr(0, kMaxHeadBytes);
    const HeadLines h = find_head(window, true);
    if (h.status != ParseStatus::kComplete) {
        if (window.size() < kMaxHeadBytes)
            return {};
        // RFC 9112 3: a request-line longer than we accept is 414; large fields 431 (RFC 6585).
        const bool request_line_done = window.find('\n', h.lines_begin) != std::string_view::npos;
        return request_error(request_line_done ? 431 : 414);
    }
    const auto head = window.substr(0, h.head_bytes);
    RequestParse r;
    r.head_bytes = h.head_bytes;
    const auto first_nl = head.find('\n', h.lines_begin);
    auto request_line = head.substr(h.lines_begin, first_nl - h.lines_begin);
    if (!request_line.empty() && request_line.back() == '\r')
        request_line.remove_suffix(1);
    if (request_line.find('\r') != std::string_view::npos)
        return request_error(400);
    int error_status = 400;
    if (!parse_request_line(request_line, r.request, error_status))
        return request_error(error_status);

    std::optional<std::uint64_t> content_length;
    ConnectionOptions conn;
    unsigned hosts = 0;
    const bool fields_ok = for_each_line(head, first_nl + 1, [&](std::string_view line) {
        if (line.front() == ' ' || line.front() == '\t' ||
            line.find('\r') != std::string_view::npos)
            return false; // obs-fold or a bare CR
        const auto f = parse_field(line);
        if (!f)
            return false;
        if (iequals(f->name, "Host"))
            ++hosts;
        else if (iequals(f->name, "Content-Length"))
            return merge_content_length(content_length, f->value);
        else if (iequals(f->name, "Transfer-Encoding"))
            r.request.transfer_encoding = true;
        else if (iequals(f->name, "Connection"))
            note_connection(conn, f->value);
        return true;
    });
    if (!fields_ok)
        return request_error(400);
    // RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, and for more than one Host.
    if (hosts > 1 || (hosts == 0 && r.request.version_minor >= 1))
        return request_error(400);
    // RFC 9112 6.1: Content-Length together with Transfer-Encoding is a smuggling attempt.
    if (content_length && r.request.transfer_encoding)
        return request_error(400);
    r.request.content_length = content_length.value_or(0);
    // RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive".
    r.request.keep_alive = !conn.close && (r.request.version_minor >= 1 || conn.keep_alive);
    r.status = ParseStatus::kComplete;
    return r;
}

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// RFC 3986 2.1 percent-decoding; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        if (i + 2 >= s.size())
            return std::nullopt;
        const int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0)
            return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

/// The path of an absolute-form target "http://authority/path" (RFC 9112 3.2.2).
std::optional<std::string_view> strip_absolute_form(std::string_view target) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (target.size() >= scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
            const auto rest = target.substr(scheme.size());
            const auto slash = rest.find_first_of("/?");
            if (slash == std::string_view::npos)
                return std::string_view("/");
            if (rest[slash] == '?')
                return std::nullopt;
            return rest.substr(slash);
        }
    }
    return target;
}

TargetPath target_error(int status) {
    TargetPath t;
    t.error_status = status;
    return t;
}

} // namespace

TargetPath resolve_target(std::string_view target) {
    const auto stripped = strip_absolute_form(target);
    if (!stripped || stripped->empty() || stripped->front() != '/')
        return target_error(400); // "*" (asterisk-form) and authority-form are not for GET
    auto path = stripped->substr(0, stripped->find('?'));
    if (path.find('#') != std::string_view::npos)
        return target_error(400);
    const auto decoded = percent_decode(path);
    if (!decoded)
        return target_error(400);
    TargetPath t;
    t.path = path;
    t.trailing_slash = decoded->back() == '/';
    std::string_view rest(*decoded);
    if (rest.find('\0') != std::string_view::npos)
        return target_error(403);
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto seg = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (seg.empty() || seg == ".")
            continue;
        // Decoded before this check, so "%2e%2e" and "..%2f" are caught too.
        if (seg == "..")
            return target_error(403);
        if (!t.relative.empty())
            t.relative.push_back('/');
        t.relative.append(seg);
    }
    return t;
}

std::string_view reason_phrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 301:
        return "Moved Permanently";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

std::string_view content_type_for(std::string_view file_name) {
    struct Entry {
        std::string_view ext, type;
    };
    static constexpr std::array<Entry, 14> kTypes = {{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"txt", "text/plain; charset=utf-8"},
        {"css", "text/css"},
        {"js", "text/javascript"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"pdf", "application/pdf"},
        {"gz", "application/gzip"},
    }};
    const auto slash = file_name.rfind('/');
    const auto base = slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
    const auto dot = base.rfind('.');
    if (dot != std::string_view::npos && dot + 1 < base.size()) {
        const auto ext = base.substr(dot + 1);
        for (const auto& e : kTypes)
            if (iequals(e.ext, ext))
                return e.type;
    }
    return "application/octet-stream";
}

std::string format_response_head(int status, std::uint64_t content_length,
                                 std::string_view content_type, bool keep_alive,
                                 std::string_view extra_fields) {
    std::string out = fmt::format("HTTP/1.1 {} {}\r\nServer: multios-net\r\nContent-Length: {}\r\n",
                                  status, reason_phrase(status), content_length);
    if (!content_type.empty())
        out += fmt::format("Content-Type: {}\r\n", content_type);
    out += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    out += extra_fields;
    out += "\r\n";
    return out;
}

namespace {

ResponseParse response_error(std::string why) {
    ResponseParse r;
    r.status = ParseStatus::kError;
    r.error = std::move(why);
    return r;
}

/// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4).
bool parse_status_line(std::string_view line, ResponseHead& head) {
    if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' '))
        return false;
    const auto minor = parse_version(line.substr(0, 8));
    if (!minor || line[5] != '1')
        return false;
    head.version_minor = *minor;
    int code = 0;
    for (char c : line.substr(9, 3)) {
        if (c < '0' || c > '9')
            return false;
        code = code * 10 + (c - '0');
    }
    if (code < 100)
        return false;
    head.status = code;
    head.reason = std::string(line.size() > 13 ? line.substr(13) : std::string_view{});
    return field_value_ok(head.reason);
}

/// RFC 9112 6.1: the body is chunked when chunked is the final transfer coding.
bool final_coding_is_chunked(std::string_view value) {
    std::string_view last;
    for_each_list_item(value, [&](std::string_view item) { last = item; });
    return iequals(last, "chunked");
}

} // namespace

ResponseParse parse_response_head(std::string_view buffered) {
    const auto window = buffered.substr(0, kMaxHeadBytes);
    const HeadLines h = find_head(window, false);
    if (h.status != ParseStatus::kComplete) {
        if (window.size() >= kMaxHeadBytes)
            return response_error(fmt::format("response head larger than {} bytes", kMaxHeadBytes));
        if (!window.empty() && (window.front() == '\n' || window.starts_with("\r\n")))
            return response_error("empty status line");
        return {};
    }
    const auto head = window.substr(0, h.head_bytes);
    ResponseParse r;
    r.head_bytes = h.head_bytes;
    const auto first_nl = head.find('\n');
    auto status_line = head.substr(0, first_nl);
    if (!status_line.empty() && status_line.back() == '\r')
        status_line.remove_suffix(1);
    if (!parse_status_line(status_line, r.head))
        return response_error("malformed status line");
    std::optional<std::uint64_t> content_length;
    bool transfer_encoding = false;
    ConnectionOptions conn;
    bool bad_length = false;
    const bool fields_ok = for_each_line(head, first_nl + 1, [&](std::string_view line) {
        if (line.front() == ' ' || line.front() == '\t')
            return false;
        const auto f = parse_field(line);
        if (!f)
            return false;
        if (iequals(f->name, "Content-Length")) {
            bad_length = bad_length || !merge_content_length(content_length, f->value);
        } else if (iequals(f->name, "Transfer-Encoding")) {
            transfer_encoding = true;
            r.head.chunked = final_coding_is_chunked(f->value);
        } else if (iequals(f->name, "Connection")) {
            note_connection(conn, f->value);
        }
        return true;
    });
    if (!fields_ok)
        return response_error("malformed header field");
    // RFC 9112 6.3 rule 3: Transfer-Encoding overrides Content-Length.
    if (!transfer_encoding) {
        if (bad_length)
            return response_error("invalid Content-Length"); // rule 5: unrecoverable
        r.head.content_length = content_length;
    }
    r.head.close = conn.close || (r.head.version_minor == 0 && !conn.keep_alive);
    r.status = ParseStatus::kComplete;
    return r;
}

BodyFraming body_framing(const ResponseHead& head, Method request_method) {
    // RFC 9112 6.3 rule 1: HEAD responses, 1xx, 204 and 304 end at the head.
    if (request_method == Method::kHead || head.status < 200 || head.status == 204 ||
        head.status == 304)
        return BodyFraming::kNone;
    if (head.chunked)
        return BodyFraming::kChunked;
    if (head.content_length)
        return *head.content_length == 0 ? BodyFraming::kNone : BodyFraming::kContentLength;
    return BodyFraming::kUntilClose;
}

void ChunkedDecoder::end_size_line() {
    if (size_digits_ == 0) {
        fail();
        return;
    }
    state_ = size_ == 0 ? State::kTrailerStart : State::kData;
}

std::size_t ChunkedDecoder::decode(std::string_view in, std::string_view& data) {
    data = {};
    std::size_t i = 0;
    while (i < in.size()) {
        const char c = in[i];
        switch (state_) {
        case State::kDone:
        case State::kError:
            return i;
        case State::kData: {
            const auto n = static_cast<std::size_t>(
                std::min<std::uint64_t>(size_, static_cast<std::uint64_t>(in.size() - i)));
            if (i > 0)
                return i; // hand out the data in a call of its own
            data = in.substr(0, n);
            size_ -= n;
            if (size_ == 0)
                state_ = State::kDataCr;
            return n;
        }
        case State::kSize: {
            const int v = hex_value(c);
            if (v >= 0) {
                // 15 hex digits are far more than any body; more would overflow.
                if (++size_digits_ > 15) {
                    fail();
                    break;
                }
                size_ = size_ * 16 + static_cast<unsigned>(v);
            } else if (c == ';' || c == ' ' || c == '\t') {
                state_ = State::kExtension;
                line_bytes_ = 0;
            } else if (c == '\r') {
                state_ = State::kSizeLf;
            } else if (c == '\n') {
                end_size_line();
            } else {
                fail();
            }
            break;
        }
        case State::kExtension:
            if (c == '\n')
                end_size_line();
            else if (++line_bytes_ > kMaxChunkLineBytes)
                fail();
            break;
        case State::kSizeLf:
            if (c == '\n')
                end_size_line();
            else
                fail();
            break;
        case State::kDataCr:
            if (c == '\r')
                state_ = State::kDataLf;
            else if (c == '\n')
                state_ = State::kSize;
            else
                fail();
            size_digits_ = 0;
            break;
        case State::kDataLf:
            if (c == '\n')
                state_ = State::kSize;
            else
                fail();
            break;
        case State::kTrailerStart:
            if (c == '\r')
                state_ = State::kTrailerEndLf;
            else if (c == '\n')
                state_ = State::kDone;
            else if (++trailer_bytes_ > kMaxTrailerBytes)
                fail();
            else
                state_ = State::kTrailerLine;
            break;
        case State::kTrailerLine:
            if (++trailer_bytes_ > kMaxTrailerBytes)
                fail();
            else if (c == '\n')
                state_ = State::kTrailerStart;
            break;
        case State::kTrailerEndLf:
            if (c == '\n')
                state_ = State::kDone;
            else
                fail();
            break;
        }
        ++i;
        if (state_ == State::kDone || state_ == State::kError)
            return i;
    }
    return i;
}

} // namespace multios::net::app::http
