// api-rr: request/response and bulk transfer through the socket API, and the same client on
// kernel sockets (--kernel), so bench/api_rr.sh can print one as a ratio of the other.
//
//   api-rr serve --port P                       kernel-socket echo server (thread per client)
//   api-rr client ADDR:PORT [--count N] [--size S] [--bulk MB] [--kernel]
//
// The client does N round trips of S bytes (write S, read S back) and prints
//   rr: requests=N seconds=T rate=R/s p50_us=A p99_us=B
// and, with --bulk, sends MB megabytes and reads them back echoed, printing
//   bulk: bytes=N seconds=T mbytes_per_s=R
// Without --kernel the stack comes from $MULTIOS_NET_CONFIG.
#include <multios/net.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace multios::net;
using Clock = std::chrono::steady_clock;

namespace {

// One connected byte stream, either ours or the kernel's.
class Stream {
  public:
    virtual ~Stream() = default;
    virtual bool write_all(const char* p, std::size_t n) = 0;
    virtual bool read_all(char* p, std::size_t n) = 0;
};

class StackStream final : public Stream {
  public:
    explicit StackStream(Socket s) : s_(std::move(s)) {}
    bool write_all(const char* p, std::size_t n) override {
        auto r = s_.send(std::as_bytes(std::span(p, n)));
        return r && *r == n;
    }
    bool read_all(char* p, std::size_t n) override {
        for (std::size_t got = 0; got < n;) {
            auto r = s_.recv(std::as_writable_bytes(std::span(p + got, n - got)));
            if (!r || *r == 0)
                return false;
            got += *r;
        }
        return true;
    }

  private:
    Socket s_;
};

bool send_all(int fd, const char* p, std::size_t n) {
    for (std::size_t done = 0; done < n;) {
        const ssize_t w = ::send(fd, p + done, n - done, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        done += static_cast<std::size_t>(w);
    }
    return true;
}

class KernelStream final : public Stream {
  public:
    explicit KernelStream(int fd) : fd_(fd) {}
    ~KernelStream() override { ::close(fd_); }
    bool write_all(const char* p, std::size_t n) override { return send_all(fd_, p, n); }
    bool read_all(char* p, std::size_t n) override {
        for (std::size_t got = 0; got < n;) {
            const ssize_t r = ::recv(fd_, p + got, n - got, 0);
            if (r <= 0)
                return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    }

  private:
    int fd_;
};

int kernel_connect(const SocketAddress& a) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    if (a.is_v4()) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(a.port);
        std::memcpy(&sin->sin_addr, a.address.v4().bytes.data(), 4);
        len = sizeof *sin;
    } else {
        auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(a.port);
        std::memcpy(&sin6->sin6_addr, a.address.v6().bytes.data(), 16);
        len = sizeof *sin6;
    }
    const int fd = ::socket(ss.ss_family, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        std::perror("api-rr: connect");
        ::close(fd);
        return -1;
    }
    return fd;
}

void serve_client(int fd) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::vector<char> buf(1 << 16);
    for (;;) {
        const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n <= 0)
            break;
        if (!send_all(fd, buf.data(), static_cast<std::size_t>(n)))
            break;
    }
    ::close(fd);
}

int serve(std::uint16_t port) {
    const int fd = ::socket(AF_INET6, SOCK_STREAM, 0);
    const int one = 1, zero = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 64) != 0) {
        std::perror("api-rr: bind/listen");
        return 1;
    }
    std::printf("api-rr: serving on port %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
    for (;;) {
        const int c = ::accept(fd, nullptr, nullptr);
        if (c >= 0)
            std::thread(serve_client, c).detach();
    }
}

void round_trips(Stream& s, int count, std::size_t size) {
    std::vector<char> out(size, 'r'), in(size);
    std::vector<double> us;
    us.reserve(static_cast<std::size_t>(count));
    const auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
        const auto t0 = Clock::now();
        if (!s.write_all(out.data(), size) || !s.read_all(in.data(), size)) {
            std::fprintf(stderr, "api-rr: the connection failed after %d requests\n", i);
            std::exit(1);
        }
        us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(us.begin(), us.end());
    std::printf("rr: requests=%d seconds=%.3f rate=%.0f p50_us=%.1f p99_us=%.1f\n", count, secs,
                count / secs, us[us.size() / 2], us[us.size() * 99 / 100]);
}

void bulk(Stream& s, std::size_t mbytes) {
    // Writer and reader in parallel: the echo comes back while we still send.
    const std::size_t total = mbytes << 20, chunk = 1 << 16;
    const auto start = Clock::now();
    std::thread writer([&] {
        std::vector<char> out(chunk, 'b');
        for (std::size_t done = 0; done < total; done += chunk)
            if (!s.write_all(out.data(), chunk))
                std::exit(1);
    });
    std::vector<char> in(chunk);
    for (std::size_t got = 0; got < total; got += chunk)
        if (!s.read_all(in.data(), chunk)) {
            std::fprintf(stderr, "api-rr: bulk echo cut short\n");
            std::exit(1);
        }
    writer.join();
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("bulk: bytes=%zu seconds=%.3f mbytes_per_s=%.1f\n", total, secs,
                static_cast<double>(total) / (1 << 20) / secs);
}

} // namespace

int main(int argc, char** argv) {
    if (argc >= 4 && std::string(argv[1]) == "serve" && std::string(argv[2]) == "--port")
        return serve(static_cast<std::uint16_t>(std::atoi(argv[3])));
    if (argc < 3 || std::string(argv[1]) != "client") {
        std::fprintf(stderr, "usage: api-rr serve --port P\n"
                             "       api-rr client ADDR:PORT [--count N] [--size S] [--bulk MB] "
                             "[--kernel]\n");
        return 2;
    }
    auto server = SocketAddress::parse(argv[2]);
    int count = 10000;
    std::size_t size = 64, mbytes = 0;
    bool kernel = false;
    for (int i = 3; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--count" && i + 1 < argc)
            count = std::atoi(argv[++i]);
        else if (a == "--size" && i + 1 < argc)
            size = static_cast<std::size_t>(std::atoi(argv[++i]));
        else if (a == "--bulk" && i + 1 < argc)
            mbytes = static_cast<std::size_t>(std::atoi(argv[++i]));
        else if (a == "--kernel")
            kernel = true;
        else
            server = fail(EINVAL);
    }
    if (!server || count < 1 || size < 1) {
        std::fprintf(stderr, "api-rr: bad arguments\n");
        return 2;
    }
    std::unique_ptr<NetworkStack> stack;
    std::unique_ptr<Stream> stream;
    if (kernel) {
        const int fd = kernel_connect(*server);
        if (fd < 0)
            return 1;
        stream = std::make_unique<KernelStream>(fd);
    } else {
        stack = std::make_unique<NetworkStack>();
        if (auto r = stack->start(); !r) {
            std::fprintf(stderr, "api-rr: stack: %s\n", r.error().message().c_str());
            return 1;
        }
        Socket s(SocketType::Stream);
        s.set_nodelay(true).value();
        if (auto r = s.connect(*server); !r) {
            std::fprintf(stderr, "api-rr: connect: %s\n", r.error().message().c_str());
            return 1;
        }
        stream = std::make_unique<StackStream>(std::move(s));
    }
    round_trips(*stream, count, size);
    if (mbytes != 0)
        bulk(*stream, mbytes);
    return 0;
}
