// http_client: fetches one URL with HTTP/1.1 over a blocking stream socket and saves the body.
//
//   MULTIOS_NET_CONFIG=config/test-net.toml http_client http://10.99.0.1:8000/file -o file
//
// The host must be an address (IPv4, or IPv6 in brackets): there is no DNS client yet. The
// body may come with a Content-Length, chunked, or until the server closes. The status line
// and a summary go to stderr; exit code 0 for a 2xx answer, 1 otherwise.
#include <multios/net.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>

using namespace multios::net;

namespace {

struct Url {
    SocketAddress server;
    std::string host; ///< As written, for the Host header.
    std::string path;
};

std::optional<Url> parse_url(std::string_view text) {
    constexpr std::string_view scheme = "http://";
    if (text.substr(0, scheme.size()) != scheme)
        return std::nullopt;
    text.remove_prefix(scheme.size());
    const auto slash = text.find('/');
    Url url;
    url.host = std::string(text.substr(0, slash));
    url.path = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
    std::string authority = url.host;
    // No port: 80, written the way SocketAddress::parse reads it.
    const bool v6 = !authority.empty() && authority.front() == '[';
    if ((v6 && authority.back() == ']') || (!v6 && authority.find(':') == std::string::npos))
        authority += ":80";
    auto addr = SocketAddress::parse(authority);
    if (!addr)
        return std::nullopt;
    url.server = *addr;
    return url;
}

// The connection's bytes, read on demand.
class Reader {
  public:
    explicit Reader(Socket& s) : socket_(s) {}

    /// Appends more bytes to the buffer; false at the end of the stream or on an error.
    bool fill() {
        std::array<std::byte, 16384> chunk;
        auto n = socket_.recv(chunk);
        if (!n) {
            error_ = n.error();
            return false;
        }
        buffer_.append(reinterpret_cast<const char*>(chunk.data()), *n);
        return *n != 0;
    }
    /// One line without its CRLF.
    std::optional<std::string> line() {
        std::size_t end;
        while ((end = buffer_.find("\r\n")) == std::string::npos)
            if (!fill())
                return std::nullopt;
        std::string out = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        return out;
    }
    /// Exactly `n` bytes (fewer at a premature end).
    std::string take(std::size_t n) {
        while (buffer_.size() < n && fill()) {
        }
        std::string out = buffer_.substr(0, n);
        buffer_.erase(0, out.size());
        return out;
    }
    std::string rest() {
        while (fill()) {
        }
        return std::exchange(buffer_, {});
    }
    std::error_code error() const { return error_; }

  private:
    Socket& socket_;
    std::string buffer_;
    std::error_code error_;
};

std::optional<std::size_t> parse_size(std::string_view text, int base) {
    std::size_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
    if (ec != std::errc{} || p == text.data())
        return std::nullopt;
    return v;
}

// Transfer-Encoding: chunked (RFC 9112 7.1): hex size lines, data, a 0 chunk, trailers.
std::optional<std::string> read_chunked(Reader& in) {
    std::string body;
    for (;;) {
        auto size_line = in.line();
        if (!size_line)
            return std::nullopt;
        auto size = parse_size(*size_line, 16);
        if (!size)
            return std::nullopt;
        if (*size == 0) {
            while (auto trailer = in.line())
                if (trailer->empty())
                    break;
            return body;
        }
        std::string data = in.take(*size);
        if (data.size() != *size || !in.line())
            return std::nullopt;
        body += data;
    }
}

std::string lowercase(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

} // namespace

int main(int argc, char** argv) {
    std::optional<Url> url;
    const char* out_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "-o" && i + 1 < argc)
            out_path = argv[++i];
        else if (!url)
            url = parse_url(arg);
        else
            url.reset(), i = argc;
    }
    if (!url) {
        std::fprintf(stderr, "usage: http_client http://ADDRESS[:PORT]/PATH [-o FILE]\n"
                             "       the stack's interfaces come from $MULTIOS_NET_CONFIG\n");
        return 2;
    }
    NetworkStack stack;
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "http_client: cannot start the stack: %s\n",
                     r.error().message().c_str());
        return 1;
    }
    const auto started = std::chrono::steady_clock::now();
    Socket socket(SocketType::Stream);
    socket.set_send_timeout(std::chrono::seconds(10)).value(); // bounds connect()
    socket.set_receive_timeout(std::chrono::seconds(30)).value();
    if (auto r = socket.connect(url->server); !r) {
        std::fprintf(stderr, "http_client: connect to %s: %s\n", url->server.to_string().c_str(),
                     r.error().message().c_str());
        return 1;
    }
    const std::string request = "GET " + url->path + " HTTP/1.1\r\nHost: " + url->host +
                                "\r\nUser-Agent: multios-http-client\r\nConnection: close\r\n\r\n";
    if (auto r = socket.send(request); !r) {
        std::fprintf(stderr, "http_client: send: %s\n", r.error().message().c_str());
        return 1;
    }
    Reader in(socket);
    auto status = in.line();
    if (!status || status->rfind("HTTP/1.", 0) != 0) {
        std::fprintf(stderr, "http_client: no HTTP answer (%s)\n", in.error().message().c_str());
        return 1;
    }
    std::fprintf(stderr, "%s\n", status->c_str());
    std::optional<std::size_t> length;
    bool chunked = false;
    while (auto header = in.line()) {
        if (header->empty())
            break;
        const auto colon = header->find(':');
        const std::string name = lowercase(header->substr(0, colon));
        std::string value = colon == std::string::npos ? "" : header->substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        if (name == "content-length")
            length = parse_size(value, 10);
        else if (name == "transfer-encoding" &&
                 lowercase(value).find("chunked") != std::string::npos)
            chunked = true;
    }
    std::optional<std::string> body = chunked  ? read_chunked(in)
                                      : length ? std::optional(in.take(*length))
                                               : std::optional(in.rest());
    if (!body || (length && body->size() != *length)) {
        std::fprintf(stderr, "http_client: the body was cut short (%s)\n",
                     in.error().message().c_str());
        return 1;
    }
    std::FILE* out = out_path != nullptr ? std::fopen(out_path, "wb") : stdout;
    if (out == nullptr || std::fwrite(body->data(), 1, body->size(), out) != body->size()) {
        std::perror("http_client: writing the body");
        return 1;
    }
    if (out != stdout)
        std::fclose(out);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr, "http_client: %zu bytes in %.3f s from %s\n", body->size(), seconds,
                 url->server.to_string().c_str());
    const int code = std::atoi(status->c_str() + 9);
    return code >= 200 && code < 300 ? 0 : 1;
}
