// Socket options whose effect the kernel peer can observe: SO_LINGER, TCP_NODELAY,
// SO_KEEPALIVE, SO_RCVBUF, IP_TTL / IPV6_UNICAST_HOPS, IPV6_V6ONLY.
#include <catch2/catch.hpp>

#include "api_env.hpp"

namespace multios::net::api_test {

namespace {

constexpr std::uint16_t kV6OnlyPort = 40201;
constexpr std::uint16_t kDualPort = 40202;

// A reset-reporter connection, given time to be accepted on the kernel side.
std::uint16_t connect_reporter(Socket& s) {
    REQUIRE(s.connect(kernel_at(Family::V4, 11)));
    auto local = s.local_address();
    REQUIRE(local);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return local->port;
}

// 20 writes of 10 bytes to the sink, `gap` apart; the data segments the connection sent.
std::uint64_t segments_for_small_writes(bool nodelay, std::chrono::microseconds gap,
                                        std::uint16_t port) {
    Socket s(SocketType::Stream);
    REQUIRE(s.set_nodelay(nodelay));
    REQUIRE(s.connect(kernel_at(Family::V4, port)));
    const std::string ten = "0123456789";
    for (int i = 0; i < 20; ++i) {
        REQUIRE(s.send(ten));
        if (gap.count() != 0)
            std::this_thread::sleep_for(gap);
    }
    // Everything acknowledged (Nagle sends the rest once the ACKs come back).
    const auto start = std::chrono::steady_clock::now();
    Result<TcpStats> info = s.tcp_info();
    while (info && info->bytes_acked < 200 && elapsed_ms(start) < 5000) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        info = s.tcp_info();
    }
    REQUIRE(info);
    CHECK(info->bytes_acked >= 200);
    WARN("nodelay=" << nodelay << " gap=" << gap.count()
                    << "us data_segs_out=" << info->data_segs_out);
    return info->data_segs_out;
}

// "ttl=N" from the kernel UDP echo for a datagram sent with hop limit `ttl`.
std::string kernel_seen_ttl(Family f, int ttl) {
    Socket u(SocketType::Datagram);
    REQUIRE(u.set_ttl(ttl));
    REQUIRE(u.set_receive_timeout(std::chrono::seconds(2)));
    std::array<std::byte, 64> buf;
    for (int attempt = 0; attempt < 3; ++attempt) {
        REQUIRE(u.send_to(as_bytes("ttl?"), kernel_at(f, 7)));
        auto r = u.recv_from(buf);
        if (r)
            return as_text(std::span(buf).first(r->first));
    }
    return "";
}

// A kernel client (python3 in this namespace) connects to the stack; "ok" or "refused".
std::string kernel_connect(const std::string& address, std::uint16_t port) {
    const std::string cmd =
        "python3 -c 'import socket,sys\n"
        "try:\n"
        "    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)\n"
        "    s.close(); print(\"ok\")\n"
        "except ConnectionRefusedError:\n"
        "    print(\"refused\")\n"
        "except OSError as e:\n"
        "    print(\"error\", e)\n' " +
        address + " " + std::to_string(port) + " 2>&1";
    std::string out = run_command(cmd);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
        out.pop_back();
    return out;
}

} // namespace

TEST_CASE("SO_LINGER 0: close() resets the connection; a normal close ends it with FIN",
          "[api][options]") {
    {
        Socket s(SocketType::Stream);
        const std::uint16_t port = connect_reporter(s);
        REQUIRE(s.set_linger(std::chrono::seconds(0)));
        REQUIRE(s.close());
        CHECK(wait_reset_log(port, std::chrono::seconds(5)) == "RESET");
    }
    {
        Socket s(SocketType::Stream);
        const std::uint16_t port = connect_reporter(s);
        REQUIRE(s.send("some data before the FIN"));
        REQUIRE(s.close());
        CHECK(wait_reset_log(port, std::chrono::seconds(5)) == "EOF");
    }
}

TEST_CASE("TCP_NODELAY: small writes go out one segment each; Nagle coalesces them",
          "[api][options]") {
    // Back-to-back writes reach the lcore through the send ring, so it may take several at
    // once even with TCP_NODELAY: the writes are spaced 2 ms apart instead. The peer delays
    // its ACKs (port 12), so with Nagle the small writes wait for the outstanding one.
    const auto gap = std::chrono::microseconds(2000);
    const std::uint64_t with_nodelay = segments_for_small_writes(true, gap, 12);
    const std::uint64_t with_nagle = segments_for_small_writes(false, gap, 12);
    CHECK(with_nodelay >= 15);
    CHECK(with_nagle <= 10);
    CHECK(with_nagle * 2 <= with_nodelay);
    // Back-to-back writes never take more segments than writes.
    CHECK(segments_for_small_writes(true, std::chrono::microseconds(0), 9) <= 20);
}

TEST_CASE("SO_KEEPALIVE {1s,1s,2}: probes on an idle connection, the kernel keeps it alive",
          "[api][options]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.set_keepalive(true));
    REQUIRE(s.set_keepalive_options(
        KeepaliveOptions{std::chrono::seconds(1), std::chrono::seconds(1), 2}));
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    auto before = s.tcp_info();
    REQUIRE(before);
    std::this_thread::sleep_for(std::chrono::milliseconds(3500));
    auto after = s.tcp_info();
    REQUIRE(after);
    UNSCOPED_INFO("segs_out " << before->segs_out << " -> " << after->segs_out);
    CHECK(after->segs_out >= before->segs_out + 2);
    CHECK(after->state == "ESTABLISHED");
    // Still usable.
    REQUIRE(s.send("alive"));
    CHECK(recv_exact(s, 5) == "alive");
}

TEST_CASE("SO_RCVBUF 16384 before connect bounds the advertised window", "[api][options]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.set_receive_buffer(16384));
    CHECK(s.receive_buffer() >= 16384);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    auto info = s.tcp_info();
    REQUIRE(info);
    CHECK(info->rcv_wnd > 0);
    CHECK(info->rcv_wnd <= 16384);
}

TEST_CASE("IP_TTL 7 on UDP: the kernel receives TTL / hop limit 7", "[api][options]") {
    CHECK(kernel_seen_ttl(Family::V4, 7) == "ttl=7");
    CHECK(kernel_seen_ttl(Family::V6, 7) == "ttl=7");
    CHECK(kernel_seen_ttl(Family::V4, 64) == "ttl=64");
}

TEST_CASE("IP_TTL on TCP: set_ttl works and the connection carries data", "[api][options]") {
    for (Family f : {Family::V4, Family::V6}) {
        Socket s(SocketType::Stream);
        REQUIRE(s.set_ttl(7));
        REQUIRE(s.connect(kernel_at(f, 7)));
        REQUIRE(s.set_ttl(9)); // on a live connection too
        REQUIRE(s.send("ttl"));
        CHECK(recv_exact(s, 3) == "ttl");
    }
}

TEST_CASE("IPV6_V6ONLY: a [::] listener takes IPv4 only without it", "[api][options]") {
    const std::string v4 = stack_at(Family::V4, 0).address.to_string();
    const std::string v6 = stack_at(Family::V6, 0).address.to_string();
    {
        Socket l(SocketType::Stream);
        REQUIRE(l.set_v6only(true));
        REQUIRE(l.bind(SocketAddress::any_v6(kV6OnlyPort)));
        REQUIRE(l.listen());
        CHECK(kernel_connect(v4, kV6OnlyPort) == "refused");
        CHECK(kernel_connect(v6, kV6OnlyPort) == "ok");
    }
    {
        Socket l(SocketType::Stream);
        REQUIRE(l.bind(SocketAddress::any_v6(kDualPort)));
        REQUIRE(l.listen());
        CHECK(kernel_connect(v4, kDualPort) == "ok");
        CHECK(kernel_connect(v6, kDualPort) == "ok");
    }
}

} // namespace multios::net::api_test
