// HTTP/1.1 message framing for the simulator's http app (RFC 9112): incremental, bounded
// parsers for requests (server side) and responses (client side), and the writers of the
// few messages the app sends. No I/O: bytes go in as they come off a TCP connection, split
// anywhere, several messages per call. Only what the app needs: bodies are framed by
// Content-Length (no chunked coding), bodies are counted, never stored.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "stack/function_ref.hpp"

namespace multios::net::sim::http {

/// The largest message head (start line + header fields + empty line) a parser accepts.
inline constexpr std::size_t kMaxHead = 8192;
/// The largest Content-Length either side accepts (1 TiB: far beyond any scenario).
inline constexpr std::uint64_t kMaxContentLength = std::uint64_t{1} << 40;

enum class ParseError : std::uint8_t {
    none,
    head_too_large, ///< No empty line within kMaxHead bytes (a server answers 431).
    bad_start_line, ///< Request line / status line does not match the grammar.
    bad_version,    ///< Not HTTP/1.x (a server answers 505).
    bad_header,     ///< A field line without a token name and ':' (or an obs-fold).
    bad_content_length,
    transfer_encoding, ///< Transfer-Encoding is not supported here (a server answers 501).
    missing_host,      ///< An HTTP/1.1 request needs exactly one Host field.
    no_length,         ///< A response that is neither bodiless nor has a Content-Length.
};

/// "head too large", "bad start line", ... for error messages.
std::string_view parse_error_name(ParseError e);

/// One parsed request; the views point into the parser and are valid during the callback.
struct Request {
    std::string_view method, target;
    int minor_version = 1; ///< HTTP/1.<minor_version>
    std::uint64_t content_length = 0;
    /// RFC 9112 9.3: HTTP/1.1 persists unless "Connection: close"; HTTP/1.0 only with
    /// "Connection: keep-alive".
    bool keep_alive = true;
};

/// One complete response (head parsed and body counted).
struct Response {
    int status = 0;
    int minor_version = 1;
    std::uint64_t content_length = 0;
    bool keep_alive = true;
    std::size_t head_bytes = 0; ///< Start line, fields and the empty line.
};

/// Collects one message head byte by byte into a fixed buffer until the empty line.
class HeadBuffer {
  public:
    enum class Step : std::uint8_t { more, complete, overflow };
    /// Takes one byte. Empty lines before the start line are skipped (RFC 9112 2.2).
    Step push(char c);
    std::string_view text() const { return {buf_.data(), len_}; }
    void clear() { len_ = 0; }
    bool empty() const { return len_ == 0; }

  private:
    std::array<char, kMaxHead> buf_{};
    std::size_t len_ = 0;
};

/// The server's side: feed whatever tcp_recv returned; every complete request (its body, if
/// any, skipped) is reported in order.
class RequestParser {
  public:
    /// Returns false once the stream is malformed; error() says why and the parser stays
    /// failed (the connection cannot be resynchronized).
    bool feed(std::span<const std::byte> data, FunctionRef<void(const Request&)> on_request);
    ParseError error() const { return error_; }
    /// Between messages (no partial head or body pending).
    bool idle() const { return head_.empty() && body_left_ == 0; }

  private:
    HeadBuffer head_;
    std::uint64_t body_left_ = 0;
    ParseError error_ = ParseError::none;
};

/// The client's side: feed response bytes; each response is reported once its last body
/// byte arrived. Interim (1xx) responses are skipped.
class ResponseParser {
  public:
    bool feed(std::span<const std::byte> data, FunctionRef<void(const Response&)> on_response);
    ParseError error() const { return error_; }
    bool idle() const { return head_.empty() && !in_body_; }

  private:
    HeadBuffer head_;
    Response current_;
    std::uint64_t body_left_ = 0;
    bool in_body_ = false;
    ParseError error_ = ParseError::none;
};

/// Parses a complete request head (what HeadBuffer collected).
ParseError parse_request_head(std::string_view head, Request& out);
/// Parses a complete response head.
ParseError parse_response_head(std::string_view head, Response& out);

/// "GET <target> HTTP/1.1\r\nHost: <host>\r\n\r\n" into `out`; the length, 0 if it does not fit.
std::size_t format_request(std::string_view target, std::string_view host, std::span<char> out);
/// A 200 response head with Content-Length (and "Connection: close" unless keep_alive).
std::size_t format_response_head(std::uint64_t content_length, bool keep_alive,
                                 std::span<char> out);
/// The status a server answers a malformed request with ("400 Bad Request", ...).
std::string_view error_status(ParseError why);
/// A bodiless response with `status` ("501 Not Implemented") that closes the connection.
std::size_t format_error_response(std::string_view status, std::span<char> out);

/// The body size a target asks for: "/<decimal>" gives the number (up to kMaxContentLength),
/// anything else nullopt.
std::optional<std::uint64_t> size_from_target(std::string_view target);

} // namespace multios::net::sim::http
