// netd-client-bench: what a call through multios-netd costs (issue 6), in Google Benchmark.
//
//   BM_RingRoundTrip       daemon-free: one Request -> Completion exchange over a client
//                          segment in this process, a server thread playing the daemon with the
//                          daemon's own wait/signal protocol. Arg = how long both sides spin
//                          before sleeping on the futex (the daemon's and the client's figures,
//                          or 0: futex only). The floor under every call of the ring API.
//   BM_DaemonGetsockopt    mnet_getsockopt(SO_RCVBUF) on a UDP socket: a full request through
//                          the daemon that touches no network.
//   BM_DaemonUdpSend64     mnet_sendto of 64-byte datagrams to a kernel discard port.
//   BM_DaemonTcpPingPong   1 byte to a kernel echo server and back, over one TCP connection.
//   BM_Kernel*             the same three on kernel sockets (the baseline; bench/netd_bench.sh
//                          runs them over a veth pair in the same run).
//
// The daemon benchmarks need $MULTIOS_NETD (the daemon's socket); the kernel ones need
// NETD_BENCH_KERNEL=1. Without them they report an error instead of a figure. Peers:
//   NETD_BENCH_UDP_SINK   ADDR:PORT of the discard port (default 10.99.0.1:9)
//   NETD_BENCH_TCP_ECHO   ADDR:PORT of the echo server  (default 10.99.0.1:7007)
// Every benchmark reports real time (the work happens in other threads and processes).
#include <multios/net/client.h>

#include <benchmark/benchmark.h>

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "netd/protocol.hpp"
#include "netd/segment_layout.hpp"

namespace multios::net::netd_bench {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

// The daemon spins 20 us on request_wait and the client 10 us on completion_wait
// (apps/multios-netd/client_session.cpp, lib/client/connection.cpp); the timeouts only bound a
// sleep, they never fire while the peer answers.
constexpr auto kServerTimeout = milliseconds(200);
constexpr auto kClientTimeout = milliseconds(100);

// ---- the ring alone ---------------------------------------------------------------------------

/// A client segment in anonymous memory: the daemon's view (format_segment) for the server
/// thread and a client's view (open_segment, as libmultios-client validates it) for the caller,
/// so each ring has exactly one producer handle and one consumer handle.
class RingPair {
  public:
    explicit RingPair(microseconds spin) : spin_(spin) {}
    ~RingPair() {
        stop();
        if (base_ != MAP_FAILED)
            ::munmap(base_, bytes_);
    }
    RingPair(const RingPair&) = delete;
    RingPair& operator=(const RingPair&) = delete;

    /// Empty string on success, else why not.
    std::string start() {
        bytes_ = netd::segment_bytes();
        base_ = ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base_ == MAP_FAILED)
            return "mmap failed";
        auto* p = static_cast<std::byte*>(base_);
        auto server = netd::format_segment(p, bytes_);
        if (!server)
            return "format_segment: " + server.error().message();
        auto client = netd::open_segment(p, bytes_);
        if (!client)
            return "open_segment: " + client.error().message();
        server_.emplace(*server);
        client_.emplace(*client);
        thread_ = std::thread([this] { serve(); });
        return {};
    }

    /// One exchange as libmultios-client makes it; false when no completion came.
    bool round_trip(std::uint32_t seq) {
        netd::Request req;
        req.op = static_cast<std::uint32_t>(netd::Op::GetOption);
        req.seq = seq;
        if (!client_->requests.try_push({reinterpret_cast<const std::byte*>(&req), sizeof req}))
            return false;
        client_->header->request_wait.signal();
        const bool ready = client_->header->completion_wait.spin_then_wait(
            [&] { return !client_->completions.empty(); }, spin_, kClientTimeout);
        if (!ready)
            return false;
        netd::Completion done;
        auto n = client_->completions.try_pop({reinterpret_cast<std::byte*>(&done), sizeof done});
        return n && *n == sizeof done && done.seq == seq;
    }

    void stop() {
        if (!thread_.joinable())
            return;
        stop_.store(true);
        server_->header->request_wait.signal();
        thread_.join();
    }

  private:
    /// The daemon's serving loop (ClientSession::run/serve) minus the work: wait for a
    /// request, pop it, push its completion, signal.
    void serve() {
        for (;;) {
            server_->header->request_wait.spin_then_wait(
                [&] { return !server_->requests.empty() || stop_.load(); }, spin_, kServerTimeout);
            if (stop_.load())
                return;
            netd::Request req;
            auto n = server_->requests.try_pop({reinterpret_cast<std::byte*>(&req), sizeof req});
            if (!n || *n != sizeof req)
                continue;
            netd::Completion c;
            c.op = req.op;
            c.seq = req.seq;
            c.len = sizeof(int);
            while (!server_->completions.try_push(
                {reinterpret_cast<const std::byte*>(&c), sizeof c})) {
                if (stop_.load())
                    return;
                std::this_thread::yield();
            }
            server_->header->completion_wait.signal();
        }
    }

    microseconds spin_;
    void* base_ = MAP_FAILED;
    std::size_t bytes_ = 0;
    std::optional<netd::SegmentView> server_, client_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

void BM_RingRoundTrip(benchmark::State& state) {
    RingPair rings(microseconds(state.range(0)));
    if (auto why = rings.start(); !why.empty()) {
        state.SkipWithError(why.c_str());
        return;
    }
    std::uint32_t seq = 0;
    for (auto _ : state) {
        if (!rings.round_trip(++seq)) {
            state.SkipWithError("no completion within the timeout");
            break;
        }
    }
    rings.stop();
    state.SetItemsProcessed(state.iterations());
}
// 10 us: the client library's spin (the server thread spins as long); 0: both sleep at once.
BENCHMARK(BM_RingRoundTrip)->ArgName("spin_us")->Arg(10)->Arg(0)->UseRealTime();

// ---- the same calls on the daemon's stack and on the kernel ----------------------------------

/// The socket calls a benchmark makes, from libmultios-client or from libc.
struct SocketCalls {
    bool via_daemon;
    int (*socket)(int, int, int);
    int (*connect)(int, const sockaddr*, socklen_t);
    ssize_t (*send)(int, const void*, size_t, int);
    ssize_t (*sendto)(int, const void*, size_t, int, const sockaddr*, socklen_t);
    ssize_t (*recv)(int, void*, size_t, int);
    int (*getsockopt)(int, int, int, void*, socklen_t*);
    int (*setsockopt)(int, int, int, const void*, socklen_t);
    int (*close)(int);
};

constexpr SocketCalls kDaemon{true,      mnet_socket,     mnet_connect,    mnet_send, mnet_sendto,
                              mnet_recv, mnet_getsockopt, mnet_setsockopt, mnet_close};
constexpr SocketCalls kKernel{false,  ::socket,     ::connect,    ::send, ::sendto,
                              ::recv, ::getsockopt, ::setsockopt, ::close};

/// Why this side cannot run here, or empty.
std::string unavailable(const SocketCalls& calls) {
    if (calls.via_daemon) {
        const char* path = std::getenv("MULTIOS_NETD");
        if (path == nullptr || *path == '\0')
            return "MULTIOS_NETD is not set: start multios-netd and point MULTIOS_NETD at its "
                   "socket (bench/netd_bench.sh does)";
        return {};
    }
    const char* k = std::getenv("NETD_BENCH_KERNEL");
    if (k == nullptr || std::string(k) != "1")
        return "NETD_BENCH_KERNEL=1 is not set: the kernel baseline needs its peers "
               "(bench/netd_bench.sh runs it over a veth pair)";
    return {};
}

/// ADDR:PORT (IPv4) from the environment variable `name`, else `fallback`.
bool peer_address(const char* name, const char* fallback, sockaddr_in* out) {
    const char* v = std::getenv(name);
    const std::string s = (v != nullptr && *v != '\0') ? v : fallback;
    const auto colon = s.rfind(':');
    if (colon == std::string::npos)
        return false;
    *out = sockaddr_in{};
    out->sin_family = AF_INET;
    const long port = std::strtol(s.c_str() + colon + 1, nullptr, 10);
    if (port <= 0 || port > 65535)
        return false;
    out->sin_port = htons(static_cast<std::uint16_t>(port));
    return ::inet_pton(AF_INET, s.substr(0, colon).c_str(), &out->sin_addr) == 1;
}

std::string errno_text(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

void getsockopt_loop(benchmark::State& state, const SocketCalls& calls) {
    if (auto why = unavailable(calls); !why.empty()) {
        state.SkipWithError(why.c_str());
        return;
    }
    const int fd = calls.socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        state.SkipWithError(errno_text("socket").c_str());
        return;
    }
    for (auto _ : state) {
        int value = 0;
        socklen_t len = sizeof value;
        if (calls.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) {
            state.SkipWithError(errno_text("getsockopt").c_str());
            break;
        }
        benchmark::DoNotOptimize(value);
    }
    calls.close(fd);
    state.SetItemsProcessed(state.iterations());
}

void udp_send_loop(benchmark::State& state, const SocketCalls& calls) {
    if (auto why = unavailable(calls); !why.empty()) {
        state.SkipWithError(why.c_str());
        return;
    }
    sockaddr_in to{};
    if (!peer_address("NETD_BENCH_UDP_SINK", "10.99.0.1:9", &to)) {
        state.SkipWithError("NETD_BENCH_UDP_SINK is not ADDR:PORT (IPv4)");
        return;
    }
    const int fd = calls.socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        state.SkipWithError(errno_text("socket").c_str());
        return;
    }
    char payload[64] = {};
    std::int64_t refused = 0; // a full queue (EAGAIN/ENOBUFS): counted, not an error
    for (auto _ : state) {
        const ssize_t n = calls.sendto(fd, payload, sizeof payload, 0,
                                       reinterpret_cast<const sockaddr*>(&to), sizeof to);
        if (n == sizeof payload)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            ++refused;
            continue;
        }
        state.SkipWithError(errno_text("sendto").c_str());
        break;
    }
    calls.close(fd);
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(sizeof payload));
    state.counters["refused"] = static_cast<double>(refused);
}

void tcp_ping_pong_loop(benchmark::State& state, const SocketCalls& calls) {
    if (auto why = unavailable(calls); !why.empty()) {
        state.SkipWithError(why.c_str());
        return;
    }
    sockaddr_in to{};
    if (!peer_address("NETD_BENCH_TCP_ECHO", "10.99.0.1:7007", &to)) {
        state.SkipWithError("NETD_BENCH_TCP_ECHO is not ADDR:PORT (IPv4)");
        return;
    }
    const int fd = calls.socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        state.SkipWithError(errno_text("socket").c_str());
        return;
    }
    const int one = 1;
    calls.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (calls.connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
        state.SkipWithError(errno_text("connect to the echo server").c_str());
        calls.close(fd);
        return;
    }
    char byte = 'p';
    for (auto _ : state) {
        if (calls.send(fd, &byte, 1, 0) != 1 || calls.recv(fd, &byte, 1, 0) != 1) {
            state.SkipWithError(errno_text("echo round trip").c_str());
            break;
        }
    }
    calls.close(fd);
    state.SetItemsProcessed(state.iterations());
}

void BM_DaemonGetsockopt(benchmark::State& state) {
    getsockopt_loop(state, kDaemon);
}
void BM_DaemonUdpSend64(benchmark::State& state) {
    udp_send_loop(state, kDaemon);
}
void BM_DaemonTcpPingPong(benchmark::State& state) {
    tcp_ping_pong_loop(state, kDaemon);
}
void BM_KernelGetsockopt(benchmark::State& state) {
    getsockopt_loop(state, kKernel);
}
void BM_KernelUdpSend64(benchmark::State& state) {
    udp_send_loop(state, kKernel);
}
void BM_KernelTcpPingPong(benchmark::State& state) {
    tcp_ping_pong_loop(state, kKernel);
}

BENCHMARK(BM_DaemonGetsockopt)->UseRealTime();
BENCHMARK(BM_DaemonUdpSend64)->UseRealTime();
BENCHMARK(BM_DaemonTcpPingPong)->UseRealTime();
BENCHMARK(BM_KernelGetsockopt)->UseRealTime();
BENCHMARK(BM_KernelUdpSend64)->UseRealTime();
BENCHMARK(BM_KernelTcpPingPong)->UseRealTime();

} // namespace
} // namespace multios::net::netd_bench

BENCHMARK_MAIN();
