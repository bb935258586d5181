// Connection lookup (issue 8): TcpTable::find, the demux every received TCP segment goes
// through (keyed SipHash of the 4-tuple, bucket, chain walk, tuple compare through the entry),
// on the stack's real table filled with N real TcpEntry objects. With 1,000,000 entries the
// slots, entries and connections are far larger than the caches, so a hit pays the cache (and
// TLB) misses an lcore holding a million connections pays; 10,000 entries is the warm case.
//
// The entries are constructed connections that were never opened (state CLOSED): find() reads
// only the slot's hash and the connection's tuple, never its state, so the lookup is the same
// as for established ones (bench/conn_memory.cpp opens real ones; it costs ~13 KB each, too
// much to keep 1M of them next to the other benchmarks). Buffers are 0 bytes, RACK is off, so
// the 1M table takes about 3 GB (Connection state, the receive assembler's range table).
// One iteration is one lookup; probes go through the tuples in a shuffled order.
#include <algorithm>
#include <memory>
#include <random>
#include <vector>

#include <benchmark/benchmark.h>

#include "common/timer_wheel.hpp"
#include "stack/tcp_entry.hpp"
#include "stack/tcp_table.hpp"

namespace multios::net::bench {
namespace {

/// The stack's side of an entry; lookups never send or report.
class NullHost final : public TcpHost {
  public:
    bool tcp_entry_send(TcpEntry&, const tcp::OutgoingSegment&, Instant) override { return false; }
    void tcp_entry_events(TcpEntry&, std::uint32_t) override {}
};

/// The i-th server-side tuple: 10.0.0.1:80 <- 11.x.y.z:port, 50,000 ports per remote address.
/// `miss` gives the same ports from 12.x.y.z, which the table never holds.
FourTuple tuple_of(std::uint32_t i, bool miss = false) {
    FourTuple t;
    t.local = Ipv4Address::from_u32(0x0a00'0001);
    t.remote = Ipv4Address::from_u32((miss ? 0x0c00'0000u : 0x0b00'0000u) + i / 50'000);
    t.local_port = 80;
    t.remote_port = static_cast<std::uint16_t>(1024 + i % 50'000);
    return t;
}

/// A table of `n` entries and the probe order, built once per size and kept for the process.
struct Filled {
    NullHost host;
    tcp::TcpConfig cfg;
    TimerWheel wheel{std::chrono::milliseconds(1), Instant{}};
    TcpTable table;
    std::vector<FourTuple> hits, misses;

    explicit Filled(std::uint32_t n) : table(n, SipKey::from_seed(42, 0x7461'626c'65)) {
        cfg.send_buffer = 0;
        cfg.receive_buffer = 0;
        cfg.initial_receive_window = 0;
        cfg.rack = false;
        for (std::uint32_t i = 0; i < n; ++i)
            table.insert(
                std::make_unique<TcpEntry>(host, cfg, tuple_of(i), 1460, wheel, std::nullopt));
        std::vector<std::uint32_t> order(n);
        for (std::uint32_t i = 0; i < n; ++i)
            order[i] = i;
        std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
        hits.reserve(n);
        misses.reserve(n);
        for (std::uint32_t i : order) {
            hits.push_back(tuple_of(i));
            misses.push_back(tuple_of(i, true));
        }
    }
};

Filled& filled(std::uint32_t n) {
    static std::unique_ptr<Filled> small, large;
    auto& slot = n > 100'000 ? large : small;
    if (!slot || slot->table.size() != n)
        slot = std::make_unique<Filled>(n);
    return *slot;
}

void lookup(benchmark::State& state, bool hit) {
    const auto n = static_cast<std::uint32_t>(state.range(0));
    Filled& f = filled(n);
    const std::vector<FourTuple>& probes = hit ? f.hits : f.misses;
    std::size_t i = 0;
    std::int64_t found = 0;
    for (auto _ : state) {
        const auto slot = f.table.find(probes[i]);
        found += slot.has_value();
        benchmark::DoNotOptimize(slot);
        if (++i == probes.size())
            i = 0;
    }
    const auto iterations = static_cast<std::int64_t>(state.iterations());
    if (f.table.size() != n)
        state.SkipWithError("the table does not hold the entries");
    else if (found != (hit ? iterations : 0))
        state.SkipWithError(hit ? "a tuple in the table was not found" : "a miss was found");
    state.SetItemsProcessed(iterations);
}

void BM_TcpTableLookup(benchmark::State& state) {
    lookup(state, true);
}
BENCHMARK(BM_TcpTableLookup)->ArgName("entries")->Arg(10'000)->Arg(1'000'000);

void BM_TcpTableLookupMiss(benchmark::State& state) {
    lookup(state, false);
}
BENCHMARK(BM_TcpTableLookupMiss)->ArgName("entries")->Arg(10'000)->Arg(1'000'000);

} // namespace
} // namespace multios::net::bench
