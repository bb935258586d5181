#include "api/engine.hpp"

#include <chrono>
#include <thread>

namespace multios::net {

namespace {

// How long an application thread sleeps between checks that the stack is still up while it
// waits for an lcore to run its request (the lcore signals completion at once; this only
// bounds how late a stop is noticed).
constexpr auto kDownCheck = std::chrono::milliseconds(100);

} // namespace

bool NetworkStack::Engine::enter() {
    active_calls.fetch_add(1, std::memory_order_seq_cst);
    if (down.load(std::memory_order_seq_cst)) {
        leave();
        return false;
    }
    return true;
}

Result<void> NetworkStack::Engine::call(unsigned lcore, const ShardCall& fn) {
    glue::WaitWord finished;
    std::atomic<bool> ran{false};
    api::ApiShard& shard = *shards[lcore];
    // `ran` is set before the signal, so the waiter cannot miss it; the message marks itself
    // done only after this returns, and the waiter waits for that too before `msg` (and
    // `finished`) go out of scope.
    glue::ControlMessage msg([&](Instant now) {
        fn(shard, now);
        ran.store(true, std::memory_order_release);
        finished.signal();
    });
    for (;;) {
        if (!enter())
            return fail(ENETDOWN);
        const bool posted = runtime->post(lcore, msg);
        leave();
        if (posted)
            break;
        std::this_thread::sleep_for(std::chrono::microseconds(50)); // mailbox full
    }
    for (;;) {
        const std::uint32_t ticket = finished.ticket();
        if (ran.load(std::memory_order_acquire))
            break;
        // Once down, no loop runs any more: a message not run by then never will be, and
        // no lcore holds a reference to it.
        if (down.load(std::memory_order_seq_cst) && !ran.load(std::memory_order_acquire))
            return msg.done() ? Result<void>{} : Result<void>{fail(ENETDOWN)};
        finished.wait(ticket, glue::WaitWord::Clock::now() + kDownCheck);
    }
    while (!msg.done()) // the lcore is between our callback's end and its done() store
        std::this_thread::yield();
    return {};
}

Result<void> NetworkStack::Engine::call_all(const ShardCall& fn) {
    // Sequential is simplest and these are control-path calls (listen, bind, close).
    for (unsigned l = 0; l < lcores(); ++l) {
        if (auto r = call(l, fn); !r)
            return r;
    }
    return {};
}

void NetworkStack::Engine::schedule(Socket::Core& s) {
    if (!enter())
        return;
    shards[s.lcore]->schedule(s);
    leave();
}

} // namespace multios::net
