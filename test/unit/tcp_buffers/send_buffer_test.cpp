#include <catch2/catch.hpp>

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "tcp/send_buffer.hpp"
#include "tcp_buffers_test_util.hpp"

using multios::net::tcp::ByteSlices;
using multios::net::tcp::SendBuffer;
using multios::net::tcp::SeqNum;

namespace {

// Stream byte i of a test: a pattern that differs at every offset inside a ring of <= 251 bytes.
std::byte sb_byte(std::size_t i) {
    return static_cast<std::byte>((i * 7 + i / 251 + 3) & 0xff);
}

std::vector<std::byte> sb_stream(std::size_t from, std::size_t n) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = sb_byte(from + i);
    return v;
}

std::vector<std::byte> sb_copy(const SendBuffer& b, SeqNum from, std::size_t n) {
    std::vector<std::byte> out(n);
    out.resize(b.copy_out(from, out));
    return out;
}

std::vector<std::byte> sb_flatten(const ByteSlices& s) {
    std::vector<std::byte> v(s.first.begin(), s.first.end());
    v.insert(v.end(), s.second.begin(), s.second.end());
    return v;
}

} // namespace

TEST_CASE("SendBuffer write copies what fits", "[tcp_buffers][send_buffer]") {
    SendBuffer b(16);
    b.set_una(SeqNum(1000));
    CHECK(b.capacity() == 16);
    CHECK(b.empty());
    CHECK(b.write(sb_stream(0, 10)) == 10);
    CHECK(b.size() == 10);
    CHECK(b.free_space() == 6);
    CHECK(b.write(sb_stream(10, 10)) == 6);
    CHECK(b.free_space() == 0);
    CHECK(b.write(sb_stream(16, 1)) == 0);
    CHECK(b.una() == SeqNum(1000));
    CHECK(b.end() == SeqNum(1016));
    CHECK(sb_copy(b, SeqNum(1000), 64) == sb_stream(0, 16));
}

TEST_CASE("SendBuffer partial acks and bogus acks", "[tcp_buffers][send_buffer]") {
    SendBuffer b(100);
    b.set_una(SeqNum(500));
    REQUIRE(b.write(sb_stream(0, 60)) == 60);

    CHECK(b.ack(SeqNum(500)) == 0); // duplicate ACK: nothing new
    CHECK(b.ack(SeqNum(520)) == 20);
    CHECK(b.una() == SeqNum(520));
    CHECK(b.size() == 40);
    CHECK(b.free_space() == 60);

    // Old ack (before SND.UNA) and an ack of data never written: ignored.
    CHECK(b.ack(SeqNum(510)) == 0);
    CHECK(b.ack(SeqNum(561)) == 0);
    CHECK(b.ack(SeqNum(0x80000000u)) == 0);
    CHECK(b.una() == SeqNum(520));
    CHECK(b.size() == 40);

    CHECK(sb_copy(b, SeqNum(530), 5) == sb_stream(30, 5));
    CHECK(b.ack(SeqNum(560)) == 40); // exactly end(): everything acknowledged
    CHECK(b.empty());
    CHECK(b.una() == b.end());
}

TEST_CASE("SendBuffer copy_out bounds", "[tcp_buffers][send_buffer]") {
    SendBuffer b(32);
    b.set_una(SeqNum(10));
    REQUIRE(b.write(sb_stream(0, 20)) == 20);
    std::vector<std::byte> out(8);
    CHECK(b.copy_out(SeqNum(9), out) == 0);  // before SND.UNA
    CHECK(b.copy_out(SeqNum(31), out) == 0); // past end()
    CHECK(b.copy_out(SeqNum(30), out) == 0); // at end(): nothing to send
    CHECK(b.copy_out(SeqNum(26), out) == 4); // tail shorter than out
    CHECK(b.copy_out(SeqNum(10), std::span<std::byte>()) == 0);
    CHECK(b.peek(SeqNum(9), 4).empty());
}

TEST_CASE("SendBuffer across the ring wrap and peek spans", "[tcp_buffers][send_buffer]") {
    SendBuffer b(16);
    b.set_una(SeqNum(0));
    REQUIRE(b.write(sb_stream(0, 12)) == 12);
    REQUIRE(b.ack(SeqNum(10)) == 10);
    REQUIRE(b.write(sb_stream(12, 12)) == 12); // ring index 12..15 then 0..7
    CHECK(b.size() == 14);
    CHECK(b.free_space() == 2);

    CHECK(sb_copy(b, SeqNum(10), 14) == sb_stream(10, 14));
    CHECK(sb_copy(b, SeqNum(15), 6) == sb_stream(15, 6));

    const ByteSlices whole = b.peek(SeqNum(10), 100);
    CHECK(whole.size() == 14);
    CHECK(whole.first.size() == 6); // ring indices 10..15 (head at 10)
    CHECK(whole.second.size() == 8);
    CHECK(sb_flatten(whole) == sb_stream(10, 14));

    const ByteSlices inside = b.peek(SeqNum(17), 4); // entirely after the wrap
    CHECK(inside.second.empty());
    CHECK(sb_flatten(inside) == sb_stream(17, 4));

    const ByteSlices head = b.peek(SeqNum(10), 3); // entirely before the wrap
    CHECK(head.second.empty());
    CHECK(sb_flatten(head) == sb_stream(10, 3));
}

TEST_CASE("SendBuffer across the sequence-number wrap", "[tcp_buffers][send_buffer]") {
    SendBuffer b(64);
    b.set_una(SeqNum(0xfffffff8u));
    REQUIRE(b.write(sb_stream(0, 32)) == 32);
    CHECK(b.end() == SeqNum(0x18u));
    CHECK(sb_copy(b, SeqNum(0xfffffffcu), 8) == sb_stream(4, 8));
    CHECK(sb_copy(b, SeqNum(0x4u), 8) == sb_stream(12, 8));
    CHECK(b.ack(SeqNum(0xfffffff0u)) == 0); // before SND.UNA across the wrap
    CHECK(b.ack(SeqNum(0x8u)) == 16);
    CHECK(b.una() == SeqNum(0x8u));
    CHECK(sb_copy(b, SeqNum(0x8u), 64) == sb_stream(16, 16));
}

TEST_CASE("SendBuffer set_una renumbers data queued before the handshake",
          "[tcp_buffers][send_buffer]") {
    SendBuffer b(32);
    REQUIRE(b.write(sb_stream(0, 5)) == 5);
    b.set_una(SeqNum(0x12345679u));
    CHECK(b.size() == 5);
    CHECK(b.end() == SeqNum(0x1234567eu));
    CHECK(sb_copy(b, SeqNum(0x12345679u), 5) == sb_stream(0, 5));
}

TEST_CASE("SendBuffer matches a reference model under random writes and acks",
          "[tcp_buffers][send_buffer]") {
    std::mt19937 rng(9293);
    SendBuffer b(1000);
    const std::uint32_t iss_plus_one = 0xffff0000u; // crosses 2^32 after 64 KiB
    b.set_una(SeqNum(iss_plus_one));
    std::deque<std::byte> model;
    std::size_t written = 0; // stream offset of end()
    std::size_t acked = 0;   // stream offset of una()
    std::vector<std::byte> out(1500);
    for (int step = 0; step < 5000; ++step) {
        const auto want = std::uniform_int_distribution<std::size_t>(0, 700)(rng);
        const std::size_t n = b.write(sb_stream(written, want));
        REQUIRE(n == std::min(want, 1000 - model.size()));
        for (std::size_t i = 0; i < n; ++i)
            model.push_back(sb_byte(written + i));
        written += n;

        // Retransmission or new data from any point of the buffer.
        const auto from = std::uniform_int_distribution<std::size_t>(0, model.size())(rng);
        const auto len = std::uniform_int_distribution<std::size_t>(0, out.size())(rng);
        const SeqNum seq = SeqNum(iss_plus_one) + static_cast<std::uint32_t>(acked + from);
        const std::size_t got = b.copy_out(seq, std::span(out).first(len));
        REQUIRE(got == std::min(len, model.size() - from));
        for (std::size_t i = 0; i < got; ++i)
            REQUIRE(out[i] == model[from + i]);

        const auto adv = std::uniform_int_distribution<std::size_t>(0, model.size())(rng);
        REQUIRE(b.ack(SeqNum(iss_plus_one) + static_cast<std::uint32_t>(acked + adv)) == adv);
        model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(adv));
        acked += adv;
        REQUIRE(b.size() == model.size());
        REQUIRE(b.una() == SeqNum(iss_plus_one) + static_cast<std::uint32_t>(acked));
    }
    CHECK(acked > 0x10000); // the run really crossed the sequence wrap
}
