// HTTP/1.1 messages, sans-IO (RFC 9110 semantics, RFC 9112 syntax): the request-head parser and
// target resolver `serve --http` uses, the response-head parser and chunked decoder `get` uses,
// and response-head formatting. No I/O, no clocks: callers hand in the bytes they buffered.
// Every input is bounded (head size, chunk-size digits, extension and trailer lengths), so a
// hostile peer cannot make these functions allocate or loop without limit (HARDENING.md row 24).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace multios::net::app::http {

/// Largest request or response head (start line + fields + empty line) accepted.
inline constexpr std::size_t kMaxHeadBytes = 16 * 1024;
/// Largest chunk extension or trailer section skipped by the chunked decoder.
inline constexpr std::size_t kMaxChunkLineBytes = 4 * 1024;
inline constexpr std::size_t kMaxTrailerBytes = 16 * 1024;

enum class Method { kGet, kHead, kOtherKnown, kUnknown };

/// Outcome of looking for a complete head at the front of a buffer.
enum class ParseStatus { kIncomplete, kComplete, kError };

/// A parsed request head. Views point into the buffer given to parse_request_head.
struct Request {
    Method method = Method::kUnknown;
    std::string_view method_text;
    std::string_view target;
    unsigned version_minor = 1; ///< HTTP/1.<minor>
    bool keep_alive = true;     ///< RFC 9112 9.3 persistence after this request
    std::uint64_t content_length = 0;
    bool transfer_encoding = false; ///< A Transfer-Encoding field was present.
};

struct RequestParse {
    ParseStatus status = ParseStatus::kIncomplete;
    std::size_t head_bytes = 0; ///< Bytes taken by the head when complete.
    Request request;
    int error_status = 0; ///< With kError: 400, 414, 431 or 505.
};

/// Parses one request head from the front of `buffered`. kIncomplete means "read more"; once
/// `buffered` holds kMaxHeadBytes without a complete head the result is kError (414/431).
RequestParse parse_request_head(std::string_view buffered);

/// A request target mapped onto the served tree.
struct TargetPath {
    int error_status = 0; ///< 0 = usable; otherwise 400 or 403 (traversal, NUL).
    std::string relative; ///< "dir/file.txt", no leading '/', no "." or ".." segments; "" = root
    bool trailing_slash = false; ///< The path named a directory ("/", "/dir/").
    std::string_view path;       ///< The raw path part of the target (no query), for redirects.
};

/// Decodes and checks a request target (origin-form or absolute-form, RFC 9112 3.2): strips the
/// query, percent-decodes, and refuses any ".." segment, NUL byte or malformed escape, so the
/// result never names anything outside the served root.
TargetPath resolve_target(std::string_view target);

/// "OK", "Not Found", ...; "Unknown" for codes this server never sends.
std::string_view reason_phrase(int status);

/// Media type from the file name's extension (application/octet-stream when unknown).
std::string_view content_type_for(std::string_view file_name);

/// A response head: status line, Server, Content-Length, Content-Type (when not empty),
/// Connection, any `extra_fields` (each "Name: value\r\n"), and the empty line.
std::string format_response_head(int status, std::uint64_t content_length,
                                 std::string_view content_type, bool keep_alive,
                                 std::string_view extra_fields = {});

/// How the body of a response is delimited (RFC 9112 6.3).
enum class BodyFraming { kNone, kContentLength, kChunked, kUntilClose };

/// A parsed response head (owns its strings: the receive buffer is reused).
struct ResponseHead {
    unsigned version_minor = 1;
    int status = 0;
    std::string reason;
    std::optional<std::uint64_t> content_length;
    bool chunked = false;
    bool close = false; ///< The server will close after this response.
};

struct ResponseParse {
    ParseStatus status = ParseStatus::kIncomplete;
    std::size_t head_bytes = 0;
    ResponseHead head;
    std::string error; ///< With kError: why, one line.
};

/// Parses one response head from the front of `buffered` (same bounds as requests).
ResponseParse parse_response_head(std::string_view buffered);

/// RFC 9112 6.3 for a response to `request_method` (HEAD responses have no body).
BodyFraming body_framing(const ResponseHead& head, Method request_method);

/// Incremental decoder of the chunked transfer coding (RFC 9112 7.1). Chunk extensions and
/// trailer fields are skipped, within the bounds above. Bare LF is accepted where CRLF is due
/// (RFC 9112 2.2 allows a recipient to).
class ChunkedDecoder {
  public:
    /// Consumes a prefix of `in`; `data` is set to the body bytes found in that prefix (a view
    /// into `in`, possibly empty). Call again with the rest until `in` is used up, done() or
    /// failed(). Returns the number of bytes consumed (> 0 unless `in` is empty or the decoder
    /// has stopped).
    std::size_t decode(std::string_view in, std::string_view& data);
    bool done() const { return state_ == State::kDone; }
    bool failed() const { return state_ == State::kError; }

  private:
    enum class State {
        kSize,
        kExtension,
        kSizeLf,
        kData,
        kDataCr,
        kDataLf,
        kTrailerStart,
        kTrailerLine,
        kTrailerEndLf,
        kDone,
        kError,
    };
    void end_size_line();
    void fail() { state_ = State::kError; }

    State state_ = State::kSize;
    std::uint64_t size_ = 0;
    unsigned size_digits_ = 0;
    std::size_t line_bytes_ = 0;
    std::size_t trailer_bytes_ = 0;
};

} // namespace multios::net::app::http
