#include <multios/net/reactor.hpp>

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <multios/net/poller.hpp>
#include <multios/net/socket.hpp>

#include "api/engine.hpp"

namespace multios::net {

struct ReadinessReactor::Impl {
    struct Entry {
        std::function<void(bool)> on_readable, on_writable;
        Socket* socket = nullptr; ///< As given to the latest when_ready (stays put meanwhile).
    };

    explicit Impl(NetworkStack& stack) : poller(stack) {}

    Poller poller;
    std::mutex mutex;
    std::unordered_map<std::uint64_t, Entry> entries; // by Socket::Core address
    std::atomic<bool> stop{false};
    std::thread thread;

    void run();
    void dispatch(std::uint64_t key, std::uint32_t events);
    void fail_all();
};

namespace {

std::uint64_t key_of(const Socket& s) {
    return reinterpret_cast<std::uint64_t>(s.core());
}

std::uint32_t wanted(const ReadinessReactor::Impl::Entry& e) {
    return (e.on_readable ? poll_event::kReadable : 0u) |
           (e.on_writable ? poll_event::kWritable : 0u);
}

} // namespace

void ReadinessReactor::Impl::run() {
    std::array<PollEvent, 128> events;
    while (!stop.load()) {
        auto n = poller.wait(events, std::chrono::milliseconds(200));
        if (!n)
            break; // the stack went down
        for (std::size_t i = 0; i < *n; ++i)
            dispatch(events[i].user_data, events[i].events);
    }
    fail_all();
}

void ReadinessReactor::Impl::dispatch(std::uint64_t key, std::uint32_t events) {
    std::function<void(bool)> readable, writable;
    {
        std::lock_guard lock(mutex);
        auto it = entries.find(key);
        if (it == entries.end())
            return;
        const bool trouble = (events & (poll_event::kError | poll_event::kHangup)) != 0;
        if ((events & poll_event::kReadable) != 0 || trouble)
            readable = std::move(it->second.on_readable);
        if ((events & poll_event::kWritable) != 0 || trouble)
            writable = std::move(it->second.on_writable);
        it->second.on_readable = nullptr;
        it->second.on_writable = nullptr;
        // The one-shot registration is disarmed now; re-arm it for the direction still
        // awaited (a write waiting while a read completes).
        if (const std::uint32_t still = wanted(it->second); still != 0 && it->second.socket)
            (void)poller.modify(*it->second.socket, still, key, Trigger::OneShot);
    }
    if (readable)
        readable(true);
    if (writable)
        writable(true);
}

void ReadinessReactor::Impl::fail_all() {
    std::unordered_map<std::uint64_t, Entry> left;
    {
        std::lock_guard lock(mutex);
        left.swap(entries);
    }
    for (auto& [key, e] : left) {
        if (e.on_readable)
            e.on_readable(false);
        if (e.on_writable)
            e.on_writable(false);
    }
}

ReadinessReactor::ReadinessReactor(NetworkStack& stack) : impl_(std::make_unique<Impl>(stack)) {
    impl_->thread = std::thread([this] { impl_->run(); });
}

ReadinessReactor::~ReadinessReactor() {
    impl_->stop.store(true);
    if (impl_->thread.joinable())
        impl_->thread.join();
}

ReadinessReactor* ReadinessReactor::of(NetworkStack* stack) {
    if (stack == nullptr)
        stack = NetworkStack::default_stack();
    NetworkStack::Engine* e = stack != nullptr ? stack->engine() : nullptr;
    if (e == nullptr || e->down.load())
        return nullptr;
    std::lock_guard lock(e->reactor_mutex);
    if (!e->reactor)
        e->reactor.reset(new ReadinessReactor(*stack));
    return e->reactor.get();
}

Result<void> ReadinessReactor::when_ready(Socket& socket, std::uint32_t events,
                                          std::function<void(bool)> fn) {
    if (!socket.is_open())
        return fail(EBADF);
    std::function<void(bool)> replaced;
    const std::uint64_t key = key_of(socket);
    Result<void> armed;
    {
        std::lock_guard lock(impl_->mutex);
        auto [it, inserted] = impl_->entries.try_emplace(key);
        auto& slot =
            (events & poll_event::kReadable) != 0 ? it->second.on_readable : it->second.on_writable;
        replaced = std::exchange(slot, std::move(fn));
        armed = inserted ? impl_->poller.add(socket, wanted(it->second), key, Trigger::OneShot)
                         : impl_->poller.modify(socket, wanted(it->second), key, Trigger::OneShot);
        if (!armed && armed.error().value() == ENOENT)
            armed = impl_->poller.add(socket, wanted(it->second), key, Trigger::OneShot);
        if (!armed) {
            fn = std::move(slot);
            slot = nullptr;
            if (!it->second.on_readable && !it->second.on_writable)
                impl_->entries.erase(it);
        }
    }
    if (replaced)
        replaced(false);
    return armed;
}

void ReadinessReactor::cancel(Socket& socket) {
    Impl::Entry e;
    {
        std::lock_guard lock(impl_->mutex);
        auto it = impl_->entries.find(key_of(socket));
        if (it == impl_->entries.end())
            return;
        e = std::move(it->second);
        impl_->entries.erase(it);
        (void)impl_->poller.remove(socket);
    }
    if (e.on_readable)
        e.on_readable(false);
    if (e.on_writable)
        e.on_writable(false);
}

} // namespace multios::net
