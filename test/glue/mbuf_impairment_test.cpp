// MbufImpairment over net_ring: losses free their mbufs, delayed frames come back in order,
// held frames are freed at destruction (the pool returns to its baseline).
#include <catch2/catch.hpp>

#include <vector>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "glue_env.hpp"
#include "pmd_glue/mbuf_impairment.hpp"
#include "pmd_glue/mbuf_sink.hpp"
#include "pmd_glue/poll_loop.hpp"

using namespace multios::net;
using namespace multios::net::glue;
using namespace std::chrono_literals;

namespace {
unsigned pool_available() {
    return rte_mempool_avail_count(test::ports().pool(0));
}
} // namespace

TEST_CASE("mbuf impairment: loss frees, delay holds, destruction frees", "[glue][impair]") {
    PortSet& ports = test::ports();
    const unsigned before = pool_available();
    {
        std::vector<ImpairmentConfig> cfg(ports.size());
        cfg[0].loss = 0.5;
        cfg[0].delay = 1000ms;
        MbufImpairment imp(cfg, 7);
        const Instant t0 = instant_from_ns(1'000'000'000);
        std::vector<rte_mbuf*> pkts(64);
        REQUIRE(rte_pktmbuf_alloc_bulk(ports.pool(0), pkts.data(), 64) == 0);
        CHECK(imp.on_rx(0, pkts.data(), 64, t0) == 0);
        const auto& c = imp.rx_counters(0);
        CHECK(c.passed + c.dropped_loss == 64);
        CHECK(c.dropped_loss > 10);
        CHECK(imp.held() == c.passed);
        CHECK(pool_available() == before - c.passed);
        CHECK(imp.next_release() == t0 + 1000ms);
        CHECK(imp.release_rx(0, pkts.data(), 64, t0 + 999ms) == 0);
        // Half of them come back when due; the rest stay held.
        const std::uint16_t back = imp.release_rx(0, pkts.data(), 5, t0 + 1000ms);
        CHECK(back == 5);
        rte_pktmbuf_free_bulk(pkts.data(), back);
        // Port 1 has no impairment: frames pass in place.
        std::vector<rte_mbuf*> other(4);
        REQUIRE(rte_pktmbuf_alloc_bulk(ports.pool(1), other.data(), 4) == 0);
        CHECK(imp.on_tx(1, other.data(), 4, t0) == 4);
        rte_pktmbuf_free_bulk(other.data(), 4);
    }
    CHECK(pool_available() == before);
}

TEST_CASE("mbuf impairment in the loop: delayed tx frames arrive later, in order",
          "[glue][impair]") {
    PortSet& ports = test::ports();
    const unsigned before = pool_available();
    {
        std::vector<ImpairmentConfig> cfg(ports.size());
        cfg[0].delay = 20ms;
        MbufImpairment imp(cfg, 1);
        MbufFrameSink sink(ports, 0);
        test::RecordingProcessor proc;
        PollLoop loop(ports, proc, sink);
        loop.set_impairment(&imp);
        std::vector<std::vector<std::byte>> sent;
        for (std::uint32_t i = 0; i < 20; ++i) {
            sent.push_back(test::make_frame(100, i));
            REQUIRE(test::send_frame(sink, 0, sent.back()));
        }
        const Instant start = loop.now();
        for (int i = 0; i < 2000000 && proc.frames.size() < 20; ++i) {
            loop.run_once();
        }
        REQUIRE(proc.frames.size() == 20);
        // 20 ms on tx plus 20 ms on rx.
        CHECK(loop.now() - start >= 40ms);
        for (std::size_t k = 0; k < 20; ++k) {
            CHECK(proc.frames[k].bytes == sent[k]);
        }
        // Leave some held at destruction.
        for (std::uint32_t i = 0; i < 10; ++i) {
            REQUIRE(test::send_frame(sink, 0, test::make_frame(100, i)));
        }
        sink.flush();
        CHECK(imp.held() == 10);
        sink.set_impairment(nullptr);
    }
    CHECK(pool_available() == before);
}
