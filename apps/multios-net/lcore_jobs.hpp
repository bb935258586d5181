// Work spread over the runtime's lcores (`get -P`, `load --lcores`): one job object per lcore,
// advanced from that lcore's poll loop. Worker lcores run their job from a hook installed on
// their own thread (Runtime::run_on_each); the main thread drives lcore 0's job and waits for
// every job to publish a flag of its result (an std::atomic<bool>, release on the lcore,
// acquire here).
//
// A job type J has `void on_iteration(Instant)`, `void begin_close(Instant)` and `result()`
// returning a struct with the flags.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "multios/net/time.hpp"
#include "runtime.hpp"

namespace multios::net::app {

/// How long to wait for a slow lcore's report after a stop request or a deadline.
inline constexpr Duration kLcoreGrace = std::chrono::seconds(2);

template <class J>
using LcoreJobs = std::vector<std::unique_ptr<J>>;

/// Gives each worker lcore its hook, assigned on that lcore's own thread (a message through
/// its mailbox). Lcore 0's hook is assigned by drive_lcore_jobs, on the main thread.
template <class J>
bool install_worker_hooks(Runtime& rt, const LcoreJobs<J>& jobs) {
    return rt.run_on_each([&](Shard& s) {
        if (s.lcore == 0)
            return;
        J* j = jobs[s.lcore].get();
        s.loop->on_iteration = [j](Instant now) {
            j->on_iteration(now);
        };
    });
}

inline void remove_lcore_hooks(Runtime& rt) {
    rt.run_on_each([](Shard& s) { s.loop->on_iteration = nullptr; });
}

/// True once every lcore's job has set the flag `which` of its result (acquire).
template <class J, class R>
bool all_flagged(const LcoreJobs<J>& jobs, std::atomic<bool> R::*which) {
    for (const auto& j : jobs)
        if (!(j->result().*which).load(std::memory_order_acquire))
            return false;
    return true;
}

/// Drives lcore 0 (its own job too) until every job set `which`, or until kLcoreGrace after a
/// stop request or past `deadline` (a worker that stopped answering must not hang us).
template <class J, class R>
void drive_lcore_jobs(Runtime& rt, const LcoreJobs<J>& jobs, std::atomic<bool> R::*which,
                      std::optional<Instant> deadline) {
    std::atomic<bool> done{false};
    std::optional<Instant> stop_seen;
    rt.loop().on_iteration = [&](Instant now) {
        jobs[0]->on_iteration(now);
        if (g_stop.load() && !stop_seen)
            stop_seen = now;
        const bool late =
            (stop_seen && now - *stop_seen > kLcoreGrace) || (deadline && now > *deadline);
        if (all_flagged(jobs, which) || late)
            done.store(true);
    };
    rt.loop().run(done);
    rt.loop().on_iteration = nullptr;
}

/// Closes every lcore's connections and waits up to `linger` (plus kLcoreGrace) for each job
/// to set `closed` (its FINs acknowledged).
template <class J, class R>
void close_lcore_jobs(Runtime& rt, const LcoreJobs<J>& jobs, std::atomic<bool> R::*closed,
                      Duration linger) {
    rt.run_on_each([&](Shard& s) { jobs[s.lcore]->begin_close(s.loop->now()); });
    drive_lcore_jobs(rt, jobs, closed, rt.now() + linger + kLcoreGrace);
}

} // namespace multios::net::app
