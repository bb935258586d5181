// The `serve --http` service end to end without DPDK: two StackCore instances wired back to
// back on virtual time, the service on one (driven the way serve's dispatcher drives it), a
// client on the other. Responses are checked byte for byte: keep-alive and pipelining, HEAD,
// streaming a file larger than the send buffer, symbolic links out of the root, oversized
// heads, Connection: close and the idle timeout.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http_server.hpp"

using namespace multios::net;

namespace multios::net::http_server_test {

namespace fs = std::filesystem;

class Sink final : public FrameSink {
  public:
    std::span<std::byte> begin_frame(IfIndex, std::size_t max_len) override {
        open_.assign(max_len, std::byte{});
        return open_;
    }
    void commit_frame(std::size_t len) override {
        open_.resize(len);
        frames_.push_back(std::move(open_));
        open_ = {};
    }
    void abort_frame() override { open_.clear(); }
    std::vector<std::vector<std::byte>> take() { return std::exchange(frames_, {}); }

  private:
    std::vector<std::byte> open_;
    std::vector<std::vector<std::byte>> frames_;
};

/// A served tree in a fresh temporary directory, with a secret next to it (outside the root)
/// and a symbolic link inside the root that points at the secret.
struct Tree {
    fs::path base;
    fs::path root;
    std::string big;

    Tree() {
        std::string tmpl = (fs::temp_directory_path() / "http-test-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        base = tmpl;
        root = base / "www";
        fs::create_directories(root / "sub");
        write(root / "hello.txt", "hello\n");
        write(root / "sub" / "index.html", "<p>sub</p>\n");
        write(base / "secret.txt", "SECRET\n");
        fs::create_symlink(base / "secret.txt", root / "escape.txt");
        big.resize(3 * 1024 * 1024 + 123);
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<char>((i * 2654435761u) >> 13);
        write(root / "big.bin", big);
    }
    ~Tree() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
    static void write(const fs::path& p, const std::string& s) {
        std::ofstream(p, std::ios::binary) << s;
    }
};

struct Net {
    Instant now = instant_from_ns(1'000'000'000'000);
    Sink sink_a, sink_b;
    StackCore a{config(1), sink_a};
    StackCore b{config(2), sink_b};
    std::unique_ptr<app::TcpService> service;
    TcpListenerId listener = 0;
    std::map<TcpConnId, std::uint32_t> client_events;

    explicit Net(const fs::path& root) {
        add(a, "10.7.0.1/24", 0x01);
        add(b, "10.7.0.2/24", 0x02);
        service = app::make_http_service(root.string());
        listener = b.tcp_listen(IpAddress{Ipv4Address{}}, 80, 64).value();
        run_ms(100);
    }
    static StackConfig config(std::uint64_t seed) {
        StackConfig c;
        c.seed = seed;
        return c;
    }
    void add(StackCore& s, const char* addr, std::uint8_t last) {
        InterfaceConfig ic;
        ic.name = "h0";
        ic.mac = MacAddress{{0x02, 0, 0, 0, 0x77, last}};
        ic.addresses = {*IpPrefix::parse(addr)};
        ic.ipv6_link_local = false;
        s.add_interface(ic, now).value();
    }
    void deliver() {
        for (int round = 0; round < 1000; ++round) {
            auto fa = sink_a.take();
            auto fb = sink_b.take();
            if (fa.empty() && fb.empty())
                return;
            for (const auto& f : fa)
                b.receive(0, f, now);
            for (const auto& f : fb)
                a.receive(0, f, now);
        }
    }
    /// What serve's dispatcher does each iteration, for the one HTTP listener.
    void serve_events() {
        std::vector<std::pair<TcpConnId, std::uint32_t>> events;
        bool accept = false;
        b.tcp_take_events([&](TcpConnId c, std::uint32_t ev) { events.emplace_back(c, ev); },
                          [&](TcpListenerId) { accept = true; });
        while (accept) {
            auto c = b.tcp_accept(listener);
            if (!c)
                break;
            service->on_accept(b, *c, now);
        }
        for (auto [c, ev] : events) {
            service->on_events(b, c, ev, now);
            if (ev & tcp::tcpevent::kClosed)
                b.tcp_close(c, now);
        }
        service->on_iteration(b, now);
    }
    void step() {
        now += std::chrono::milliseconds(1);
        a.poll(now);
        b.poll(now);
        deliver();
        serve_events();
        deliver();
        a.tcp_take_events([&](TcpConnId c, std::uint32_t ev) { client_events[c] |= ev; },
                          [](TcpListenerId) {});
    }
    void run_ms(int ms) {
        for (int i = 0; i < ms; ++i)
            step();
    }
};

/// A client connection on stack `a` and everything it received.
struct Client {
    Net& net;
    TcpConnId id;
    std::string received;
    bool eof = false;

    explicit Client(Net& n) : net(n) {
        id = net.a.tcp_connect(IpAddress{*Ipv4Address::parse("10.7.0.2")}, 80, net.now).value();
        for (int i = 0; i < 2000 && !(net.client_events[id] & tcp::tcpevent::kConnected); ++i)
            net.step();
        REQUIRE((net.client_events[id] & tcp::tcpevent::kConnected) != 0);
    }
    void send(const std::string& s) {
        std::size_t sent = 0;
        for (int i = 0; i < 2000 && sent < s.size(); ++i) {
            auto r = net.a.tcp_send(id, std::as_bytes(std::span(s)).subspan(sent), net.now);
            if (r)
                sent += *r;
            net.step();
        }
        REQUIRE(sent == s.size());
    }
    void read_available() {
        std::byte buf[16384];
        for (;;) {
            auto r = net.a.tcp_recv(id, buf, net.now);
            if (!r)
                return;
            if (*r == 0) {
                eof = true;
                return;
            }
            received.append(reinterpret_cast<const char*>(buf), *r);
        }
    }
    /// Runs until `bytes` have arrived, the server closed, or `ms` of virtual time passed.
    void wait_for(std::size_t bytes, int ms = 5000) {
        for (int i = 0; i < ms && received.size() < bytes && !eof; ++i) {
            net.step();
            read_available();
        }
    }
    /// Runs until the server closes (or `ms` passed).
    void wait_eof(int ms) {
        for (int i = 0; i < ms && !eof; ++i) {
            net.step();
            read_available();
        }
    }
};

std::string get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

std::string ok_head(std::size_t length, const std::string& type, bool keep_alive = true) {
    return "HTTP/1.1 200 OK\r\nServer: multios-net\r\nContent-Length: " + std::to_string(length) +
           "\r\nContent-Type: " + type +
           "\r\nConnection: " + (keep_alive ? "keep-alive" : "close") + "\r\n\r\n";
}

TEST_CASE("serve --http: GET, then a pipelined pair on the same connection", "[http]") {
    Tree tree;
    Net net(tree.root);
    Client c(net);
    const std::string hello = ok_head(6, "text/plain; charset=utf-8") + "hello\n";
    c.send(get("/hello.txt"));
    c.wait_for(hello.size());
    CHECK(c.received == hello);
    c.received.clear();
    const std::string sub = ok_head(11, "text/html; charset=utf-8") + "<p>sub</p>\n";
    c.send(get("/sub/") + get("/hello.txt"));
    c.wait_for(sub.size() + hello.size());
    CHECK(c.received == sub + hello);
    CHECK_FALSE(c.eof);
}

TEST_CASE("serve --http: HEAD sends no body; 404 and 301 keep the connection", "[http]") {
    Tree tree;
    Net net(tree.root);
    Client c(net);
    c.send("HEAD /big.bin HTTP/1.1\r\nHost: t\r\n\r\n" + get("/nope") + get("/sub"));
    const std::string head = ok_head(tree.big.size(), "application/octet-stream");
    c.wait_for(head.size() + 300);
    REQUIRE(c.received.starts_with(head));
    const auto rest = c.received.substr(head.size());
    CHECK(rest.starts_with("HTTP/1.1 404 Not Found\r\n"));
    CHECK(rest.find("\r\n\r\n404 Not Found\n") != std::string::npos);
    CHECK(rest.find("HTTP/1.1 301 Moved Permanently\r\n") != std::string::npos);
    CHECK(rest.find("Location: /sub/\r\n") != std::string::npos);
    CHECK_FALSE(c.eof);
}

TEST_CASE("serve --http: a file larger than the send buffer arrives intact", "[http]") {
    Tree tree;
    Net net(tree.root);
    Client c(net);
    c.send(get("/big.bin"));
    const std::string head = ok_head(tree.big.size(), "application/octet-stream");
    c.wait_for(head.size() + tree.big.size(), 60000);
    REQUIRE(c.received.size() == head.size() + tree.big.size());
    CHECK(c.received.substr(0, head.size()) == head);
    CHECK(c.received.compare(head.size(), std::string::npos, tree.big) == 0);
    // And the connection still serves the next request.
    c.received.clear();
    c.send(get("/hello.txt"));
    c.wait_for(10);
    CHECK(c.received.ends_with("hello\n"));
}

TEST_CASE("serve --http: nothing outside the root, not even through a symlink", "[http]") {
    Tree tree;
    Net net(tree.root);
    for (const char* path : {"/escape.txt", "/../secret.txt", "/%2e%2e/secret.txt",
                             "/sub/..%2f..%2fsecret.txt", "/hello.txt%00"}) {
        Client c(net);
        c.send(get(path));
        c.wait_for(20);
        INFO(path << " -> " << c.received);
        CHECK((c.received.starts_with("HTTP/1.1 403 ") || c.received.starts_with("HTTP/1.1 404 ")));
        CHECK(c.received.find("SECRET") == std::string::npos);
    }
}

TEST_CASE("serve --http: Connection: close, bad heads and idle connections end", "[http]") {
    Tree tree;
    Net net(tree.root);
    {
        Client c(net);
        c.send(get("/hello.txt", "Connection: close\r\n"));
        c.wait_eof(2000);
        CHECK(c.received == ok_head(6, "text/plain; charset=utf-8", false) + "hello\n");
        CHECK(c.eof);
    }
    {
        Client c(net);
        c.send("GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(20000, 'a') + "\r\n\r\n");
        c.wait_eof(5000);
        CHECK(c.received.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        CHECK(c.received.find("Connection: close\r\n") != std::string::npos);
        CHECK(c.eof);
    }
    {
        Client c(net);
        c.send("BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n" + get("/hello.txt"));
        c.wait_for(200);
        CHECK(c.received.starts_with("HTTP/1.1 501 Not Implemented\r\n"));
        CHECK(c.received.ends_with("hello\n"));
        // Keep-alive idle timeout: 60 s without a request.
        c.wait_eof(65000);
        CHECK(c.eof);
    }
}

} // namespace multios::net::http_server_test
