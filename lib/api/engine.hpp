// NetworkStack::Engine: the running stack as the socket API sees it — the multi-core runtime
// (glue::LcoreRuntime, lcore 0 on a thread of its own), one ApiShard per lcore, and the
// blocking request path from application threads to an lcore (a control message plus a wait).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <multios/net/network_stack.hpp>
#include <multios/net/reactor.hpp>
#include <multios/net/result.hpp>

#include "api/api_shard.hpp"
#include "pmd_glue/lcore_runtime.hpp"

namespace multios::net {

struct NetworkStack::Engine : std::enable_shared_from_this<NetworkStack::Engine> {
    using ShardCall = std::function<void(api::ApiShard&, Instant)>;

    std::unique_ptr<glue::LcoreRuntime> runtime; ///< Built and destroyed on `lcore0`.
    std::vector<std::unique_ptr<api::ApiShard>> shards;
    std::thread lcore0;
    std::atomic<bool> stop_requested{false};
    /// Set once every loop stopped: messages not run by then never will be.
    std::atomic<bool> down{false};
    std::atomic<unsigned> next_lcore{0};
    std::atomic<std::uint64_t> next_token{1};
    /// Application calls that touch the runtime (post, doorbell) in progress; the runtime
    /// is destroyed only once `down` is set and this is back to zero.
    std::atomic<std::uint32_t> active_calls{0};
    TcpStackConfig tcp; ///< The stack's TCP defaults (set before start, read-only after).
    /// Readiness callbacks (started on first use; stopped by NetworkStack::stop()).
    std::mutex reactor_mutex;
    std::unique_ptr<ReadinessReactor> reactor;

    unsigned lcores() const { return static_cast<unsigned>(shards.size()); }
    /// Round-robin lcore for a new connection or datagram socket.
    unsigned pick_lcore() { return next_lcore.fetch_add(1) % lcores(); }

    /// Runs `fn` on `lcore`'s thread and waits for it (any application thread).
    /// ENETDOWN when the stack stopped before it ran.
    Result<void> call(unsigned lcore, const ShardCall& fn);
    /// call() on every lcore, in parallel; ENETDOWN as call().
    Result<void> call_all(const ShardCall& fn);
    /// Asks `s`'s lcore to serve it soon (after the app filled its tx ring, freed rx room,
    /// closed it). Cheap when already asked.
    void schedule(Socket::Core& s);

    /// Holds the runtime alive for the duration of an application call; false once down.
    bool enter();
    void leave() { active_calls.fetch_sub(1, std::memory_order_seq_cst); }
};

} // namespace multios::net
