// Per-connection memory that is allocated on first use (issue 8: an idle connection must be
// cheap): send/receive rings on the first byte, the reassembly range table on the first
// out-of-order segment, the RACK ring on the first segment sent (growing with the flight up to
// its bound), and the congestion control restarted for the handshake's MSS instead of rebuilt.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "tcp/congestion/congestion_control.hpp"
#include "tcp/rack.hpp"
#include "tcp/recv_assembler.hpp"
#include "tcp/send_buffer.hpp"
#include "tcp_buffers_test_util.hpp"

namespace multios::net::tcp_lazy_test {
namespace {

using namespace std::chrono_literals;
using tcp::CcConfig;
using tcp::make_congestion_control;
using tcp::Rack;
using tcp::RecvAssembler;
using tcp::SendBuffer;
using tcp::SeqNum;

std::vector<std::byte> bytes(std::size_t n, unsigned seed) {
    std::vector<std::byte> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::byte>((i * 13 + seed) & 0xff);
    return v;
}

const Instant kT0 = instant_from_ns(1'000'000'000);

} // namespace

TEST_CASE("lazy: send buffer allocates on the first write only", "[tcp_buffers]") {
    SendBuffer b(1 << 20);
    b.set_una(SeqNum(1000));
    CHECK_FALSE(b.allocated());
    CHECK(b.capacity() == (1u << 20));
    CHECK(b.free_space() == (1u << 20));
    // Reading an empty buffer needs no storage.
    CHECK(b.peek(SeqNum(1000), 100).empty());
    std::vector<std::byte> out(10);
    CHECK(b.copy_out(SeqNum(1000), out) == 0);
    CHECK(b.write({}) == 0);
    CHECK_FALSE(b.allocated());

    const auto data = bytes(3000, 1);
    CHECK(b.write(data) == 3000);
    CHECK(b.allocated());
    out.resize(3000);
    CHECK(b.copy_out(SeqNum(1000), out) == 3000);
    CHECK(out == data);

    // Not empty: release keeps the bytes.
    b.release_if_empty();
    CHECK(b.allocated());
    CHECK(b.ack(SeqNum(4000)) == 3000);
    b.release_if_empty();
    CHECK_FALSE(b.allocated());
    CHECK(b.capacity() == (1u << 20));
    CHECK(b.free_space() == (1u << 20));
    // Usable again after a release.
    CHECK(b.write(data) == 3000);
    out.assign(3000, std::byte{0});
    CHECK(b.copy_out(SeqNum(4000), out) == 3000);
    CHECK(out == data);
}

TEST_CASE("lazy: receive ring on the first byte, range table on the first hole", "[tcp_buffers]") {
    RecvAssembler r(64 * 1024, 8);
    r.init(SeqNum(500));
    CHECK_FALSE(r.allocated());
    CHECK(r.capacity() == 64 * 1024);
    CHECK(r.window() == 64 * 1024);
    CHECK(r.max_ranges() == 8);
    std::vector<std::byte> out(100);
    CHECK(r.read(out) == 0);
    CHECK_FALSE(r.allocated());

    // Out of order first: stored at its place, one range, SACK block reported.
    const auto late = bytes(100, 2);
    CHECK(r.insert(SeqNum(700), late) == 100);
    CHECK(r.allocated());
    CHECK(r.ooo_range_count() == 1);
    std::vector<tcp::SackBlock> sacks(4);
    REQUIRE(r.sack_blocks(sacks) == 1);
    CHECK(sacks[0].left == 700);
    CHECK(sacks[0].right == 800);

    // The hole fills: everything delivered in order.
    const auto early = bytes(200, 3);
    CHECK(r.insert(SeqNum(500), early) == 200);
    CHECK(r.ooo_range_count() == 0);
    CHECK(r.rcv_nxt() == SeqNum(800));
    out.resize(300);
    REQUIRE(r.read(out) == 300);
    CHECK(std::equal(early.begin(), early.end(), out.begin()));
    CHECK(std::equal(late.begin(), late.end(), out.begin() + 200));
}

TEST_CASE("lazy: the range table bound holds from its first allocation", "[tcp_buffers]") {
    RecvAssembler r(64 * 1024, 2);
    r.init(SeqNum(0));
    const auto d = bytes(10, 4);
    CHECK(r.insert(SeqNum(100), d) == 10);
    CHECK(r.insert(SeqNum(200), d) == 10);
    CHECK(r.insert(SeqNum(300), d) == 0); // a third island: table full (HARDENING row 19)
    CHECK(r.counters().range_table_full_drops == 1);
    CHECK(r.ooo_range_count() == 2);
}

TEST_CASE("lazy: RACK ring allocated by the first segment, grows to its bound", "[tcp_buffers]") {
    Rack rack(100);
    CHECK(rack.capacity() == 0);
    CHECK(rack.max_records() == 100);
    // An ACK or a loss check with nothing recorded touches no ring.
    rack.on_ack(SeqNum(0), {}, kT0, 1ms);
    CHECK(rack.detect_loss(kT0, 0ms) == kNever);
    rack.on_transmit(SeqNum(0), 0, kT0); // pure ACKs are not recorded
    CHECK(rack.capacity() == 0);

    rack.on_transmit(SeqNum(0), 100, kT0);
    CHECK(rack.capacity() == Rack::kInitialRecords);
    // Fill past several doublings: 16 -> 32 -> 64 -> 100 (the bound).
    for (std::uint32_t i = 1; i < 150; ++i)
        rack.on_transmit(SeqNum(i * 100), 100, kT0 + std::chrono::microseconds(i));
    CHECK(rack.capacity() == 100);
    CHECK(rack.size() == 100); // segments past the bound went unrecorded

    // Order survived the growth: ACK the first 10 records, SACK the 50th; those sent before
    // it are judged lost once an RTT has passed.
    rack.on_ack(SeqNum(1000), {}, kT0 + 10ms, 1ms);
    CHECK(rack.size() == 90);
    const tcp::SeqRange sacked{5000, 5100};
    rack.on_ack(SeqNum(1000), std::span(&sacked, 1), kT0 + 10ms, 1ms);
    rack.detect_loss(kT0 + 100ms, 0ms);
    const auto lost = rack.next_lost();
    REQUIRE(lost);
    CHECK(lost->left == 1000);
    CHECK(lost->right == 1100);
    CHECK(rack.lost_count() == 40); // records 10..49

    // Not empty: kept; once everything is acknowledged it can go.
    rack.release_if_empty();
    CHECK(rack.capacity() == 100);
    rack.on_ack(SeqNum(10000), {}, kT0 + 200ms, 1ms);
    CHECK(rack.size() == 0);
    rack.release_if_empty();
    CHECK(rack.capacity() == 0);
    rack.on_transmit(SeqNum(10000), 100, kT0 + 300ms);
    CHECK(rack.capacity() == Rack::kInitialRecords);
    CHECK(rack.size() == 1);
}

TEST_CASE("lazy: congestion control restarted for a new MSS equals a new one", "[tcp_buffers]") {
    for (const char* name : {"newreno", "cubic"}) {
        CcConfig first;
        first.smss = 536;
        auto cc = make_congestion_control(name, first);
        REQUIRE(cc);
        CHECK(cc->cwnd() == tcp::rfc6928_initial_window(536));
        cc->restart_with_smss(1448);
        CcConfig fresh_config;
        fresh_config.smss = 1448;
        const auto fresh = make_congestion_control(name, fresh_config);
        CHECK(cc->smss() == fresh->smss());
        CHECK(cc->initial_window() == fresh->initial_window());
        CHECK(cc->cwnd() == fresh->cwnd());
        CHECK(cc->ssthresh() == fresh->ssthresh());
        CHECK(cc->in_recovery() == fresh->in_recovery());
        // And they evolve alike.
        tcp::AckSample a;
        a.now = kT0;
        a.acked_bytes = 2896;
        a.bytes_in_flight = 10000;
        cc->on_ack(a);
        fresh->on_ack(a);
        CHECK(cc->cwnd() == fresh->cwnd());
        cc->restart_with_smss(0); // sanitised like the constructor does
        CHECK(cc->smss() == 1);
    }
}

} // namespace multios::net::tcp_lazy_test
