// MbufFrameSink + PollLoop over net_ring (tx loops back to the same port's rx).
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "glue_env.hpp"
#include "pmd_glue/mbuf_sink.hpp"
#include "pmd_glue/poll_loop.hpp"

using namespace multios::net;
using namespace multios::net::glue;

namespace {

unsigned pool_available() {
    return rte_mempool_avail_count(test::ports().pool(0));
}

/// Runs the loop until `want` frames were received or `max_iterations` passed.
void run_until(PollLoop& loop, test::RecordingProcessor& proc, std::size_t want,
               int max_iterations = 10000) {
    for (int i = 0; i < max_iterations && proc.frames.size() < want; ++i) {
        loop.run_once();
    }
}

} // namespace

TEST_CASE("frames sent through the sink come back through the poll loop", "[glue][sink]") {
    PortSet& ports = test::ports();
    const unsigned avail_before = pool_available();
    const PortStats before0 = ports.stats(0);
    const PortStats before1 = ports.stats(1);
    {
        MbufFrameSink sink(ports, 0);
        test::RecordingProcessor proc;
        PollLoop loop(ports, proc, sink);
        std::vector<std::vector<std::byte>> sent;
        for (std::uint32_t i = 0; i < 100; ++i) {
            sent.push_back(test::make_frame(60 + (i * 13) % 1454, i));
            REQUIRE(test::send_frame(sink, static_cast<IfIndex>(i % 2), sent.back()));
        }
        CHECK(sink.pending(0) == 50);
        CHECK(sink.flush() == 100);
        run_until(loop, proc, 100);
        REQUIRE(proc.frames.size() == 100);
        // Per port, order is kept.
        std::size_t k0 = 0;
        std::size_t k1 = 0;
        for (const auto& f : proc.frames) {
            std::size_t& k = f.ifindex == 0 ? k0 : k1;
            CHECK(f.bytes == sent[2 * k + f.ifindex]);
            ++k;
        }
        CHECK(proc.polls > 0);
        CHECK(proc.last_now >= loop.last_now() - std::chrono::seconds(1));
    }
    const PortStats after0 = ports.stats(0);
    const PortStats after1 = ports.stats(1);
    CHECK(after0.glue.tx_packets - before0.glue.tx_packets == 50);
    CHECK(after0.glue.rx_packets - before0.glue.rx_packets == 50);
    CHECK(after1.glue.tx_packets - before1.glue.tx_packets == 50);
    CHECK(after1.glue.rx_packets - before1.glue.rx_packets == 50);
    CHECK(after0.glue.tx_bytes - before0.glue.tx_bytes ==
          after0.glue.rx_bytes - before0.glue.rx_bytes);
    CHECK(after0.opackets - before0.opackets == 50);
    CHECK(after0.ipackets - before0.ipackets == 50);
    CHECK(after0.glue.tx_dropped == before0.glue.tx_dropped);
    CHECK(pool_available() == avail_before);
}

TEST_CASE("a processor can answer from inside receive", "[glue][sink]") {
    PortSet& ports = test::ports();
    const unsigned avail_before = pool_available();
    {
        MbufFrameSink sink(ports, 0);
        test::RecordingProcessor proc(&sink);
        proc.echo_budget = 9; // 1 injected frame + 9 echoes of echoes
        PollLoop loop(ports, proc, sink);
        auto f = test::make_frame(98, 7);
        REQUIRE(test::send_frame(sink, 0, f));
        run_until(loop, proc, 10);
        REQUIRE(proc.frames.size() == 10);
        for (const auto& r : proc.frames) {
            CHECK(r.bytes == f);
        }
        for (int i = 0; i < 10; ++i) {
            loop.run_once();
        }
        CHECK(proc.frames.size() == 10);
    }
    CHECK(pool_available() == avail_before);
}

TEST_CASE("a full tx ring drops, counts and frees the rest", "[glue][sink]") {
    PortSet& ports = test::ports();
    const unsigned avail_before = pool_available();
    const QueueCounters before = ports.queue_counters(0, 0);
    constexpr std::uint32_t kFrames = 3000; // more than the net_ring ring holds
    {
        MbufFrameSink sink(ports, 0);
        test::RecordingProcessor proc;
        PollLoop loop(ports, proc, sink);
        auto f = test::make_frame(64, 1);
        for (std::uint32_t i = 0; i < kFrames; ++i) {
            REQUIRE(test::send_frame(sink, 0, f));
        }
        sink.flush();
        const QueueCounters& c = ports.queue_counters(0, 0);
        const auto tx = c.tx_packets - before.tx_packets;
        const auto dropped = c.tx_dropped - before.tx_dropped;
        CHECK(tx + dropped == kFrames);
        CHECK(dropped > 0);
        for (int i = 0; i < 1000 && proc.frames.size() < tx; ++i) {
            loop.run_once();
        }
        CHECK(proc.frames.size() == tx);
    }
    CHECK(pool_available() == avail_before);
}

TEST_CASE("an empty pool makes begin_frame return an empty span", "[glue][sink]") {
    PortSet& ports = test::ports();
    const unsigned avail_before = pool_available();
    MbufFrameSink sink(ports, 0);
    std::vector<rte_mbuf*> hoard;
    hoard.reserve(ports.mbufs_per_pool());
    while (rte_mbuf* m = rte_pktmbuf_alloc(ports.pool(0))) {
        hoard.push_back(m);
    }
    const auto failed_before = ports.queue_counters(0, 0).tx_alloc_failed;
    CHECK(sink.begin_frame(0, 100).empty());
    CHECK(ports.queue_counters(0, 0).tx_alloc_failed == failed_before + 1);
    rte_pktmbuf_free_bulk(hoard.data(), static_cast<unsigned>(hoard.size()));
    auto span = sink.begin_frame(0, 100);
    CHECK(span.size() >= 100);
    sink.abort_frame();
    CHECK(pool_available() == avail_before);
}

TEST_CASE("begin_frame refuses frames larger than one mbuf", "[glue][sink]") {
    PortSet& ports = test::ports();
    MbufFrameSink sink(ports, 0);
    const auto before = ports.queue_counters(1, 0).tx_too_big;
    CHECK(sink.begin_frame(1, ports.frame_capacity() + 1).empty());
    CHECK(ports.queue_counters(1, 0).tx_too_big == before + 1);
    CHECK(sink.begin_frame(7, 64).empty()); // no such interface
    auto span = sink.begin_frame(1, ports.frame_capacity());
    CHECK(span.size() == ports.frame_capacity());
    sink.commit_frame(span.size() + 1); // over the buffer: refused, freed
    CHECK(sink.pending(1) == 0);
}

TEST_CASE("the poll loop stops when the flag is set", "[glue][loop]") {
    PortSet& ports = test::ports();
    MbufFrameSink sink(ports, 0);
    test::RecordingProcessor proc;
    PollLoopConfig config;
    config.spin_iterations = 4;
    config.pause_iterations = 4;
    PollLoop loop(ports, proc, sink, config);
    std::atomic<bool> stop{false};
    std::uint64_t app_calls = 0;
    loop.on_iteration = [&](Instant) {
        if (++app_calls == 200) {
            stop.store(true);
        }
    };
    loop.run(stop);
    CHECK(app_calls == 200);
    CHECK(loop.counters().iterations == 200);
    CHECK(loop.counters().sleeps > 0); // idle: it backed off to sleeping
}
