// SharedWait: the process-shared futex word. A signal from a fork()ed child wakes a parent
// sleeping on the same memfd page; a wait with nobody signalling times out; spin_then_wait
// returns at once when the condition already holds.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <new>
#include <thread>

#include "fork_child.hpp"
#include "shm/segment.hpp"
#include "shm/shared_wait.hpp"

namespace multios::net::shm_test {

using shm::SharedSegment;
using shm::SharedWait;
using namespace std::chrono_literals;

TEST_CASE("SharedWait: a wait with no signal times out", "[shm]") {
    SharedWait w;
    const auto t = w.ticket();
    const auto start = std::chrono::steady_clock::now();
    CHECK_FALSE(w.wait(t, 20ms));
    CHECK(std::chrono::steady_clock::now() - start >= 15ms);
}

TEST_CASE("SharedWait: a stale ticket returns at once", "[shm]") {
    SharedWait w;
    const auto t = w.ticket();
    w.signal();
    CHECK(w.wait(t, 10s));
}

TEST_CASE("SharedWait: a fork()ed child's signal wakes the parent", "[shm]") {
    auto seg = SharedSegment::create("multios-test-wait", 4096);
    REQUIRE(seg);
    auto* w = new (seg->data()) SharedWait{};
    auto* flag = new (seg->data() + 64) std::atomic<std::uint32_t>{0};
    const pid_t pid = fork_child([&] {
        std::this_thread::sleep_for(50ms); // let the parent fall asleep first
        flag->store(1);
        w->signal();
        return 0;
    });
    const auto start = std::chrono::steady_clock::now();
    const bool ready = w->spin_then_wait([&] { return flag->load() == 1; }, 10us, 10s);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(wait_child(pid) == 0);
    CHECK(ready);
    CHECK(elapsed < 5s); // woken by the signal, not by the 10 s timeout
}

TEST_CASE("SharedWait: spin_then_wait gives up at the deadline", "[shm]") {
    SharedWait w;
    int polls = 0;
    CHECK_FALSE(w.spin_then_wait([&] { return ++polls < 0; }, 1us, 5ms));
    CHECK(polls > 1);
    CHECK(w.spin_then_wait([] { return true; }, 1us, 0ns));
}

} // namespace multios::net::shm_test
