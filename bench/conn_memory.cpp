// conn-memory: what an established, idle TCP connection costs a StackCore in memory, and how
// many of them one stack (one lcore's shard) holds in a memory budget (issue 8: 1,000,000 in
// 2 GiB). No DPDK: two StackCores in two processes (fork), the server in the parent and the
// client generator in the child, joined by a Unix stream socket that carries batches of
// Ethernet frames (the "wire"). Each process then measures only its own stack.
//
// The client opens connections from 16 source addresses x up to 62,500 ports to one listener,
// `--batch` SYNs at a time, in lockstep with the server (client batch -> server reply batch),
// until the server has accepted `--target` connections, the server's resident memory grew by
// more than `--cap-mib`, or `--max-seconds` passed. Both print checkpoints (10k, 100k, 1M and
// the end) with two measures per connection:
//   rss:  growth of the process's resident set (/proc/self/statm) since the stack was set up,
//         divided by the connections: the physical memory they take, what a budget limits;
//   heap: growth of mallinfo2() uordblks + hblkhd, the bytes malloc handed out, which counts
//         each buffer whole although TcpConfig buffers commit pages only as data fills them
//         (tcp/byte_storage.hpp), so heap >> rss for idle connections with large buffers.
// Page tables (VmPTE) are printed too: an untouched 1 MiB buffer still costs a page-table page
// once its allocator header is written.
//
//   conn-memory [--target N] [--cap-mib M] [--buffer BYTES] [--batch N] [--max-seconds S]
// --buffer 0 (default) keeps TcpConfig's buffers; otherwise send and receive buffers and the
// initial receive window are all BYTES. Output lines start with "conn-memory " (bench/micro.sh
// reads them). Exit status 0 when every opened connection was established on both sides.
#include <malloc.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <multios/net/wire/bytes.hpp>
#include <new>

#include "stack/stack_core.hpp"
#include "stack/tcp_entry.hpp"

namespace multios::net::bench::connmem {
namespace {

using namespace std::chrono_literals;

constexpr std::uint16_t kPort = 80;
constexpr unsigned kClientAddresses = 16;
constexpr unsigned kPortsPerAddress = 62'500;
constexpr std::uint16_t kFirstPort = 1024;
constexpr std::size_t kHeader = 4 + 4 + 4 + 8; // frames, established, flags, now (ns)
constexpr std::uint32_t kFlagStop = 1;         // server -> client: stop opening
constexpr std::uint32_t kFlagDone = 2;         // client -> server: last message

struct Options {
    std::uint32_t target = 1'000'000;
    std::uint64_t cap_bytes = 2048ull << 20;
    std::size_t buffer = 0;
    std::uint32_t batch = 256;
    double max_seconds = 110;
};

// ---- measurement -------------------------------------------------------------------------

struct Memory {
    std::uint64_t rss = 0;
    std::uint64_t heap = 0;
    std::uint64_t pte = 0;
};

std::uint64_t status_kib(const char* key) {
    FILE* f = std::fopen("/proc/self/status", "r");
    if (!f)
        return 0;
    char line[256];
    std::uint64_t v = 0;
    const std::size_t n = std::strlen(key);
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, key, n) == 0)
            v = std::strtoull(line + n, nullptr, 10);
    std::fclose(f);
    return v;
}

/// Resident set in bytes (the second field of /proc/self/statm, in pages).
std::uint64_t resident_bytes() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (f) {
        if (std::fscanf(f, "%lu %lu", &size, &resident) != 2)
            resident = 0;
        std::fclose(f);
    }
    return std::uint64_t{resident} * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

Memory measure() {
    Memory m;
    m.rss = resident_bytes();
    const struct mallinfo2 mi = mallinfo2();
    m.heap = mi.uordblks + mi.hblkhd;
    m.pte = status_kib("VmPTE:") * 1024;
    return m;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void print_checkpoint(const char* side, std::uint64_t conns, const Memory& base, const Memory& now,
                      double secs) {
    if (conns == 0)
        return;
    const auto per = [&](std::uint64_t a, std::uint64_t b) {
        return a > b ? static_cast<double>(a - b) / static_cast<double>(conns) : 0.0;
    };
    std::printf("conn-memory side=%s conns=%llu rss_per_conn=%.0f heap_per_conn=%.0f "
                "pte_per_conn=%.0f rss_mib=%.1f seconds=%.2f\n",
                side, static_cast<unsigned long long>(conns), per(now.rss, base.rss),
                per(now.heap, base.heap), per(now.pte, base.pte),
                static_cast<double>(now.rss - std::min(now.rss, base.rss)) / (1 << 20), secs);
    std::fflush(stdout);
}

/// Prints checkpoints at 10k, 100k and 1M connections (the first time a count reaches them).
struct Checkpoints {
    const char* side;
    Memory base;
    std::chrono::steady_clock::time_point t0;
    std::uint64_t next = 10'000;

    void reached(std::uint64_t conns) {
        if (conns < next)
            return;
        print_checkpoint(side, conns, base, measure(), seconds_since(t0));
        while (next <= conns)
            next *= 10;
    }
};

// ---- where the bytes go: allocation sizes ------------------------------------------------

/// Counts of every `operator new` size since the last reset (fixed open-addressing table: the
/// counter must not allocate). Each process (server, client) has its own copy.
struct SizeHistogram {
    static constexpr std::size_t kSlots = 1024;
    std::array<std::size_t, kSlots> size{};
    std::array<std::uint64_t, kSlots> count{};
    bool on = false;

    void record(std::size_t n) {
        if (!on)
            return;
        for (std::size_t i = 0, h = (n * 0x9e3779b97f4a7c15ull) >> 54; i < kSlots; ++i) {
            const std::size_t s = (h + i) % kSlots;
            if (count[s] == 0 || size[s] == n) {
                size[s] = n;
                ++count[s];
                return;
            }
        }
    }
    /// Prints the sizes allocated at least once per two connections, with their share.
    void print(const char* side, std::uint64_t conns) const {
        for (std::size_t s = 0; s < kSlots && conns > 0; ++s)
            if (count[s] * 2 >= conns)
                std::printf(
                    "conn-memory side=%s alloc_size=%zu per_conn=%.2f bytes_per_conn=%.0f\n", side,
                    size[s], static_cast<double>(count[s]) / static_cast<double>(conns),
                    static_cast<double>(count[s] * size[s]) / static_cast<double>(conns));
    }
};

SizeHistogram g_sizes;

// ---- the wire: batches of frames over a stream socket --------------------------------------

/// Collects the frames a stack sends into one message buffer (reserved up front, so it does
/// not grow inside the measurement).
class BatchSink final : public FrameSink {
  public:
    BatchSink() {
        msg_.reserve(8u << 20);
        reset();
    }
    std::span<std::byte> begin_frame(IfIndex, std::size_t max_len) override {
        if (max_len > scratch_.size())
            return {};
        return std::span(scratch_).first(max_len);
    }
    void commit_frame(std::size_t len) override {
        const std::size_t at = msg_.size();
        msg_.resize(at + 2 + len);
        wire::store_be16(msg_.data() + at, static_cast<std::uint16_t>(len));
        std::memcpy(msg_.data() + at + 2, scratch_.data(), len);
        ++frames_;
    }
    void abort_frame() override {}

    std::uint32_t frames() const { return frames_; }
    void reset() {
        msg_.assign(kHeader, std::byte{0});
        frames_ = 0;
    }
    /// Fills the header in and returns the whole message.
    std::span<const std::byte> seal(std::uint32_t established, std::uint32_t flags, Instant now) {
        wire::store_be32(msg_.data(), frames_);
        wire::store_be32(msg_.data() + 4, established);
        wire::store_be32(msg_.data() + 8, flags);
        const auto ns = static_cast<std::uint64_t>(now.time_since_epoch().count());
        wire::store_be32(msg_.data() + 12, static_cast<std::uint32_t>(ns >> 32));
        wire::store_be32(msg_.data() + 16, static_cast<std::uint32_t>(ns));
        return msg_;
    }

  private:
    std::array<std::byte, 2048> scratch_{};
    std::vector<std::byte> msg_;
    std::uint32_t frames_ = 0;
};

bool write_all(int fd, std::span<const std::byte> data) {
    std::uint32_t len_be = 0;
    wire::store_be32(reinterpret_cast<std::byte*>(&len_be),
                     static_cast<std::uint32_t>(data.size()));
    if (::write(fd, &len_be, 4) != 4)
        return false;
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool read_exact(int fd, std::byte* out, std::size_t len) {
    std::size_t done = 0;
    while (done < len) {
        const ssize_t n = ::read(fd, out + done, len - done);
        if (n <= 0)
            return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

/// One received message: header fields and the frames.
struct Message {
    std::vector<std::byte> bytes;
    std::uint32_t frames = 0, established = 0, flags = 0;
    Instant now{};

    bool read(int fd) {
        std::array<std::byte, 4> len{};
        if (!read_exact(fd, len.data(), 4))
            return false;
        bytes.resize(wire::load_be32(len.data()));
        if (bytes.size() < kHeader || !read_exact(fd, bytes.data(), bytes.size()))
            return false;
        frames = wire::load_be32(bytes.data());
        established = wire::load_be32(bytes.data() + 4);
        flags = wire::load_be32(bytes.data() + 8);
        const std::uint64_t ns = (std::uint64_t{wire::load_be32(bytes.data() + 12)} << 32) |
                                 wire::load_be32(bytes.data() + 16);
        now = instant_from_ns(static_cast<std::int64_t>(ns));
        return true;
    }
    /// Hands every frame to `stack`.
    void deliver(StackCore& stack) const {
        std::size_t at = kHeader;
        for (std::uint32_t i = 0; i < frames && at + 2 <= bytes.size(); ++i) {
            const std::size_t len = wire::load_be16(bytes.data() + at);
            stack.receive(0, std::span(bytes).subspan(at + 2, len), now);
            at += 2 + len;
        }
    }
};

// ---- the two stacks --------------------------------------------------------------------

StackConfig stack_config(const Options& o, std::uint64_t seed) {
    StackConfig c;
    c.seed = seed;
    c.tcp.max_connections = o.target + 1024;
    c.tcp.syn_cookies = false; // every SYN gets a real SYN-queue entry, as a normal open does
    if (o.buffer != 0) {
        c.tcp.connection.send_buffer = o.buffer;
        c.tcp.connection.receive_buffer = o.buffer;
        c.tcp.connection.initial_receive_window = o.buffer;
    }
    return c;
}

bool add_interface(StackCore& s, std::uint8_t last_mac_byte, std::vector<IpPrefix> addresses,
                   Instant now) {
    InterfaceConfig ic;
    ic.name = "wire0";
    ic.mac = MacAddress{{0x02, 0, 0, 0, 0, last_mac_byte}};
    ic.addresses = std::move(addresses);
    ic.ipv6_link_local = false;
    ic.slaac = false;
    return s.add_interface(ic, now).has_value();
}

Ipv4Address client_address(unsigned k) {
    return Ipv4Address::from_u32(0x0a00'0100u + k + 1); // 10.0.1.1 .. 10.0.1.16
}
const Ipv4Address kServer = Ipv4Address::from_u32(0x0a00'0001); // 10.0.0.1

/// The server (parent): accepts everything, answers each client batch with one batch.
int run_server(int fd, const Options& o) {
    BatchSink sink;
    Instant now = instant_from_ns(1'000'000'000);
    auto* stack = new StackCore(stack_config(o, 1), sink); // never freed: _exit at the end
    if (!add_interface(*stack, 1, {*IpPrefix::parse("10.0.0.1/16")}, now))
        return 2;
    const auto listener = stack->tcp_listen(IpAddress{Ipv4Address{}}, kPort, o.target + 1024);
    if (!listener)
        return 2;
    Checkpoints cp{"server", measure(), std::chrono::steady_clock::now()};
    g_sizes.on = true;
    std::uint64_t accepted = 0;
    std::uint32_t flags = 0;
    const char* stopped_by = nullptr;
    Message in;
    in.bytes.reserve(8u << 20);
    while (in.read(fd)) {
        if (in.flags & kFlagDone)
            break;
        now = std::max(now, in.now);
        sink.reset();
        in.deliver(*stack);
        stack->poll(now);
        stack->tcp_take_events([](TcpConnId, std::uint32_t) {}, [](TcpListenerId) {});
        while (stack->tcp_accept(*listener))
            ++accepted;
        cp.reached(accepted);
        if (!stopped_by && resident_bytes() > cp.base.rss + o.cap_bytes)
            stopped_by = "memory-cap";
        if (!stopped_by && seconds_since(cp.t0) > o.max_seconds)
            stopped_by = "time";
        if (stopped_by)
            flags |= kFlagStop;
        if (!write_all(fd, sink.seal(static_cast<std::uint32_t>(accepted), flags, now)))
            return 2;
    }
    g_sizes.on = false;
    const Memory end = measure();
    print_checkpoint("server", accepted, cp.base, end, seconds_since(cp.t0));
    g_sizes.print("server", accepted);
    std::printf("conn-memory side=server reached=%llu stopped_by=%s sizeof_entry=%zu "
                "sizeof_connection=%zu send_buffer=%zu receive_buffer=%zu\n",
                static_cast<unsigned long long>(accepted),
                stopped_by ? stopped_by : (accepted >= o.target ? "target" : "client"),
                sizeof(TcpEntry), sizeof(tcp::Connection),
                stack_config(o, 1).tcp.connection.send_buffer,
                stack_config(o, 1).tcp.connection.receive_buffer);
    std::fflush(stdout);
    return 0;
}

/// The client (child): opens connections in batches and feeds the server's answers back.
class Client {
  public:
    Client(int fd, const Options& o) : fd_(fd), o_(o), stack_(stack_config(o, 2), sink_) {}

    int run() {
        std::vector<IpPrefix> addrs;
        for (unsigned k = 0; k < kClientAddresses; ++k)
            addrs.push_back(IpPrefix{IpAddress{client_address(k)}, std::uint8_t{16}});
        if (!add_interface(stack_, 2, addrs, now_))
            return 2;
        Checkpoints cp{"client", measure(), std::chrono::steady_clock::now()};
        g_sizes.on = true;
        std::uint32_t idle_rounds = 0;
        while (!finished()) {
            open_batch();
            const std::int64_t moved = exchange();
            if (moved < 0)
                return 2;
            cp.reached(connected_);
            // Nothing moved and connects are pending (a SYN-ACK was queued behind ARP, say):
            // let the retransmission timers run.
            idle_rounds = moved == 0 ? idle_rounds + 1 : 0;
            now_ += idle_rounds > 1 ? Duration{200ms} : Duration{1ms};
            if (idle_rounds > 200)
                break;
        }
        g_sizes.on = false;
        sink_.reset();
        write_all(fd_, sink_.seal(0, kFlagDone, now_));
        g_sizes.print("client", connected_);
        print_checkpoint("client", connected_, cp.base, measure(), seconds_since(cp.t0));
        std::printf("conn-memory side=client opened=%llu connected=%llu server_accepted=%llu\n",
                    static_cast<unsigned long long>(opened_),
                    static_cast<unsigned long long>(connected_),
                    static_cast<unsigned long long>(server_established_));
        std::fflush(stdout);
        // Every connection opened must be established here and accepted by the server.
        return connected_ == opened_ && server_established_ == connected_ && connected_ > 0 ? 0 : 1;
    }

  private:
    bool finished() const {
        const bool no_more = stop_ || opened_ >= o_.target;
        return no_more && connected_ == opened_ && server_established_ >= connected_;
    }

    void open_batch() {
        if (stop_)
            return;
        for (std::uint32_t i = 0; i < o_.batch && opened_ < o_.target; ++i) {
            TcpOpenOptions opt;
            opt.local =
                IpAddress{client_address(static_cast<unsigned>(opened_ % kClientAddresses))};
            opt.local_port = static_cast<std::uint16_t>(kFirstPort + (opened_ / kClientAddresses) %
                                                                         kPortsPerAddress);
            if (!stack_.tcp_connect(IpAddress{kServer}, kPort, now_, opt))
                break;
            ++opened_;
        }
    }

    /// Sends what the stack produced, delivers the server's reply, counts connections.
    /// Returns the frames that moved (sent, received, produced by the reply), -1 on an error.
    std::int64_t exchange() {
        stack_.poll(now_);
        if (!write_all(fd_, sink_.seal(static_cast<std::uint32_t>(connected_), 0, now_)))
            return -1;
        const std::uint32_t sent = sink_.frames();
        sink_.reset();
        if (!in_.read(fd_))
            return -1;
        in_.now = now_;
        in_.deliver(stack_);
        server_established_ = in_.established;
        stop_ = stop_ || (in_.flags & kFlagStop);
        stack_.tcp_take_events(
            [this](TcpConnId, std::uint32_t ev) {
                if (ev & tcp::tcpevent::kConnected)
                    ++connected_;
            },
            [](TcpListenerId) {});
        // Frames produced by the reply (ACKs) go out with the next batch.
        return std::int64_t{sent} + in_.frames + sink_.frames();
    }

    int fd_;
    Options o_;
    BatchSink sink_;
    StackCore stack_;
    Instant now_ = instant_from_ns(1'000'000'000);
    Message in_;
    std::uint64_t opened_ = 0, connected_ = 0, server_established_ = 0;
    bool stop_ = false;
};

bool parse_args(int argc, char** argv, Options& o) {
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--target")
            o.target = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
        else if (k == "--cap-mib")
            o.cap_bytes = std::strtoull(v, nullptr, 10) << 20;
        else if (k == "--buffer")
            o.buffer = std::strtoull(v, nullptr, 10);
        else if (k == "--batch")
            o.batch = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
        else if (k == "--max-seconds")
            o.max_seconds = std::strtod(v, nullptr);
        else
            return false;
    }
    return argc % 2 == 1 && o.target > 0 &&
           o.target <= std::uint64_t{kClientAddresses} * kPortsPerAddress && o.batch > 0;
}

} // namespace

int run_main(int argc, char** argv) {
    Options o;
    if (!parse_args(argc, argv, o)) {
        std::fprintf(stderr, "usage: conn-memory [--target N<=1000000] [--cap-mib M] "
                             "[--buffer BYTES] [--batch N] [--max-seconds S]\n");
        return 2;
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return 2;
    std::fflush(stdout);
    const pid_t child = ::fork();
    if (child < 0)
        return 2;
    if (child == 0) {
        ::close(fds[0]);
        auto* client = new Client(fds[1], o); // never freed: tearing down 1M connections
        ::_exit(client->run());               // would only measure the allocator
    }
    ::close(fds[1]);
    const int server = run_server(fds[0], o);
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    const int client = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
    std::fflush(stdout);
    ::_exit(server != 0 ? server : client);
}

} // namespace multios::net::bench::connmem

int main(int argc, char** argv) {
    return multios::net::bench::connmem::run_main(argc, argv);
}

// Replaces the global allocation function to feed SizeHistogram (the default operator new[]
// and the nothrow forms call this one). GCC flags free() inside a replacement operator delete
// as a mismatch, but malloc/free are exactly what the replaced pair wraps.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    multios::net::bench::connmem::g_sizes.record(n);
    if (void* p = std::malloc(n ? n : 1))
        return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
#pragma GCC diagnostic pop
