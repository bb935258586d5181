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
    api::ApiShard& shard = *shards[lcore];
    glue::ControlMessage msg([&](Instant now) {
        fn(shard, now);
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
        if (msg.done())
            return {};
        // Once down, no loop runs any more: a message not done by then never will be, and
        // no lcore holds a reference to it.
        if (down.load(std::memory_order_seq_cst))
            return msg.done() ? Result<void>{} : Result<void>{fail(ENETDOWN)};
        finished.wait(ticket, glue::WaitWord::Clock::now() + kDownCheck);
    }
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
