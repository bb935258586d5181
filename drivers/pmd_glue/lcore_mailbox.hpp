// Cross-lcore control by message passing (issue 4): any thread (another lcore, the main
// thread, later an application thread) posts a message to an lcore; that lcore runs it inside
// its own poll iteration, on its own state, and marks it done. No lock is taken and no lcore's
// state is touched from outside: statistics snapshots, opening sockets and shutdown requests
// all travel this way.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

struct rte_ring;

namespace multios::net::glue {

/// A unit of work for one lcore. The poster owns it and keeps it alive until done() (or until
/// the lcores have stopped: a message never run stays not done).
class ControlMessage {
  public:
    explicit ControlMessage(std::function<void(Instant)> work) : work_(std::move(work)) {}
    ControlMessage(const ControlMessage&) = delete;
    ControlMessage& operator=(const ControlMessage&) = delete;

    /// True once the destination lcore has run it; what it wrote is then visible here.
    bool done() const { return done_.load(std::memory_order_acquire); }

  private:
    friend class LcoreMailboxes;
    void run(Instant now) {
        work_(now);
        done_.store(true, std::memory_order_release);
    }

    std::function<void(Instant)> work_;
    std::atomic<bool> done_{false};
};

class LcoreMailboxes {
  public:
    static constexpr unsigned kSlots = 256;

    /// One mailbox per lcore. Fails (ENOMEM, last_error()) when EAL memory is short.
    static Result<std::unique_ptr<LcoreMailboxes>> create(unsigned lcores);
    ~LcoreMailboxes();
    LcoreMailboxes(const LcoreMailboxes&) = delete;
    LcoreMailboxes& operator=(const LcoreMailboxes&) = delete;

    unsigned lcores() const { return static_cast<unsigned>(boxes_.size()); }
    /// Queues `m` for `lcore` (from any thread); false when that mailbox is full.
    bool post(unsigned lcore, ControlMessage& m);
    /// Runs what was posted to `lcore`; called by that lcore only. Returns how many ran.
    unsigned run_pending(unsigned lcore, Instant now);

  private:
    LcoreMailboxes() = default;
    std::vector<rte_ring*> boxes_;
};

} // namespace multios::net::glue
