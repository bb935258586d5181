// glue::WaitWord: the futex word application threads sleep on until an lcore signals. A
// signal wakes a sleeper, a deadline in the past returns false at once, and a signal between
// ticket() and wait() is not lost.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

#include "pmd_glue/wait_word.hpp"

namespace multios::net::api_unit_test {

using glue::WaitWord;
using Clock = WaitWord::Clock;
using namespace std::chrono_literals;

TEST_CASE("WaitWord: signal wakes a waiter with no deadline", "[api-unit]") {
    WaitWord w;
    std::atomic<bool> condition{false}, woke{false};
    std::thread waiter([&] {
        // The documented pattern: ticket, check, wait, re-check (spurious wake-ups).
        for (;;) {
            const auto t = w.ticket();
            if (condition.load())
                break;
            w.wait(t, std::nullopt);
        }
        woke = true;
    });
    std::this_thread::sleep_for(50ms); // let it sleep
    CHECK_FALSE(woke.load());
    const auto sent = Clock::now();
    condition = true;
    w.signal();
    waiter.join();
    CHECK(woke.load());
    CHECK(Clock::now() - sent < 5s);
}

TEST_CASE("WaitWord: a signal ends a wait long before its deadline", "[api-unit]") {
    WaitWord w;
    std::atomic<int> result{-1};
    const auto t = w.ticket();
    const auto start = Clock::now();
    std::thread waiter([&] { result = w.wait(t, Clock::now() + 20s) ? 1 : 0; });
    std::this_thread::sleep_for(50ms);
    w.signal();
    waiter.join();
    CHECK(result == 1); // woken in time
    CHECK(Clock::now() - start < 10s);
    CHECK(w.ticket() != t);
}

TEST_CASE("WaitWord: a deadline in the past returns false at once", "[api-unit]") {
    WaitWord w;
    const auto start = Clock::now();
    CHECK_FALSE(w.wait(w.ticket(), start - 1s));
    CHECK_FALSE(w.wait(w.ticket(), start));
    CHECK(Clock::now() - start < 1s);
}

TEST_CASE("WaitWord: a deadline that passes without a signal returns false", "[api-unit]") {
    WaitWord w;
    const auto start = Clock::now();
    const auto t = w.ticket();
    bool in_time = true;
    // Spurious wake-ups are allowed: loop as callers do until the deadline is reported.
    const auto deadline = start + 100ms;
    while (in_time && Clock::now() < start + 5s)
        in_time = w.wait(t, deadline);
    CHECK_FALSE(in_time);
    CHECK(Clock::now() >= deadline);
    CHECK(Clock::now() - start < 5s);
}

TEST_CASE("WaitWord: a ticket taken before the signal makes wait return at once", "[api-unit]") {
    WaitWord w;
    const auto t = w.ticket();
    w.signal(); // lands between ticket() and wait(): must not be lost
    const auto start = Clock::now();
    CHECK(w.wait(t, std::nullopt));       // would block forever if the signal were lost
    CHECK(w.wait(t, Clock::now() + 10s)); // also with a deadline, and reports "in time"
    CHECK(Clock::now() - start < 1s);

    // wait_for with a stale ticket returns at once as well.
    const auto before = Clock::now();
    w.wait_for(t, 10s);
    CHECK(Clock::now() - before < 1s);
    // And with a current ticket it sleeps about its timeout.
    w.wait_for(w.ticket(), 30ms);
    CHECK(Clock::now() - before >= 30ms);
}

} // namespace multios::net::api_unit_test
