// Sockets shared between threads: close() wakes blocked calls; concurrent senders.
#include <catch2/catch.hpp>

#include <future>

#include "api_env.hpp"

namespace multios::net::api_test {

TEST_CASE("close() from another thread wakes a blocked recv with EBADF", "[api][threads]") {
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    auto blocked = std::async(std::launch::async, [&s] {
        std::array<std::byte, 64> buf;
        return err(s.recv(buf));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(blocked.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(s.close());
    REQUIRE(blocked.wait_for(std::chrono::seconds(2)) == std::future_status::ready);
    CHECK(elapsed_ms(start) < 1000.0);
    CHECK(blocked.get() == EBADF);
}

TEST_CASE("close() from another thread wakes a blocked accept with EBADF", "[api][threads]") {
    Socket l(SocketType::Stream);
    REQUIRE(l.bind(SocketAddress::any_v4(0)));
    REQUIRE(l.listen());
    auto blocked = std::async(std::launch::async, [&l] { return err(l.accept()); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    REQUIRE(blocked.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);
    REQUIRE(l.close());
    REQUIRE(blocked.wait_for(std::chrono::seconds(2)) == std::future_status::ready);
    CHECK(blocked.get() == EBADF);
}

TEST_CASE("two threads send on one socket: every byte echoed once", "[api][threads]") {
    constexpr int kWrites = 1000;
    constexpr std::size_t kChunk = 100;
    Socket s(SocketType::Stream);
    REQUIRE(s.connect(kernel_at(Family::V4, 7)));
    std::string got;
    std::thread reader(
        [&] { got = recv_exact(s, 2 * kWrites * kChunk, std::chrono::seconds(30)); });
    auto sender = [&s](char c) {
        const std::string chunk(kChunk, c);
        std::size_t total = 0;
        for (int i = 0; i < kWrites; ++i) {
            auto r = s.send(chunk);
            if (!r)
                break;
            total += *r;
        }
        return total;
    };
    auto a = std::async(std::launch::async, sender, 'A');
    auto b = std::async(std::launch::async, sender, 'B');
    CHECK(a.get() == kWrites * kChunk);
    CHECK(b.get() == kWrites * kChunk);
    reader.join();
    REQUIRE(got.size() == 2 * kWrites * kChunk);
    CHECK(std::count(got.begin(), got.end(), 'A') == kWrites * static_cast<long>(kChunk));
    CHECK(std::count(got.begin(), got.end(), 'B') == kWrites * static_cast<long>(kChunk));
    // One send is one atomic write into the stream: chunks do not interleave inside.
    bool whole_chunks = true;
    for (std::size_t i = 0; i < got.size(); i += kChunk)
        whole_chunks = whole_chunks && got.substr(i, kChunk) == std::string(kChunk, got[i]);
    CHECK(whole_chunks);
}

} // namespace multios::net::api_test
