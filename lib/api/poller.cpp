#include <multios/net/poller.hpp>

#include <algorithm>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <rte_ring.h>

#include <multios/net/network_stack.hpp>
#include <multios/net/socket.hpp>

#include "api/engine.hpp"
#include "api/poller_core.hpp"
#include "api/socket_wait.hpp"

namespace multios::net {

using namespace sockstate;

namespace api {

namespace {

// Ready-ring slots; beyond this many sockets changing between two waits the Poller falls
// back to one full rescan (correct, just slower), so there is no limit on registrations.
constexpr unsigned kReadySlots = 16384;

std::atomic<unsigned> g_poller_serial{0};

} // namespace

void notify_socket(Socket::Core& s) {
    s.changed.signal();
    PollerCore* p = s.poller.load(std::memory_order_acquire);
    if (p == nullptr || s.poll_queued.exchange(true, std::memory_order_acq_rel))
        return;
    const std::uint64_t token = s.poll_token.load(std::memory_order_acquire);
    if (rte_ring_mp_enqueue(p->ready, reinterpret_cast<void*>(token)) != 0)
        p->overflow.store(true, std::memory_order_release);
    p->wake.signal();
}

std::uint32_t socket_readiness(const Socket::Core& s) {
    using namespace poll_event;
    const std::uint32_t st = s.load_state();
    if ((st & kStackDown) != 0 || (st & kClosed) != 0)
        return kError | kHangup;
    std::uint32_t ev = 0;
    if ((st & kListening) != 0)
        return s.accept_count.load(std::memory_order_acquire) != 0 ? kReadable : 0;
    if (s.type != SocketType::Stream) {
        for (const auto& part : s.rx_parts)
            if (part->readable() != 0)
                ev |= kReadable;
        if (s.tx && s.tx->writable() > 2048)
            ev |= kWritable;
        if (s.pending_error.load() != 0)
            ev |= kError;
        return ev;
    }
    const bool failed = (st & kFailed) != 0;
    const bool peer_closed = (st & kPeerClosed) != 0;
    if ((s.rx && s.rx->readable() != 0) || peer_closed || failed || (st & kShutRead) != 0)
        ev |= kReadable;
    if (peer_closed)
        ev |= kReadHangup;
    if ((st & kConnected) != 0 && (st & (kShutWrite | kGone)) == 0 && s.tx && s.tx->writable() != 0)
        ev |= kWritable;
    if (failed)
        ev |= kError | kWritable;
    if (failed || (peer_closed && (st & (kShutWrite | kGone)) != 0))
        ev |= kHangup;
    return ev;
}

void forget_poller(Socket::Core& s) {
    s.poller.store(nullptr, std::memory_order_release);
}

} // namespace api

struct Poller::Impl {
    struct Registration {
        std::shared_ptr<Socket::Core> socket;
        std::uint32_t events = 0;
        std::uint64_t user_data = 0;
        Trigger trigger = Trigger::Level;
        bool armed = true;
    };

    std::shared_ptr<NetworkStack::Engine> engine;
    api::PollerCore core;
    mutable std::mutex mutex;
    std::unordered_map<std::uint64_t, Registration> regs;
    std::unordered_map<const Socket::Core*, std::uint64_t> token_of;
    std::deque<std::uint64_t> candidates; ///< To look at in the next wait, oldest first.
    std::vector<std::uint64_t> level;     ///< Level-triggered, reported last time.
    unsigned waits = 0;

    Result<void> usable() const;
    void take_ready();
    std::size_t report(std::span<PollEvent> out);
    void sweep_closed();
    void queue_all();
};

Result<void> Poller::Impl::usable() const {
    if (!engine || engine->down.load() || core.ready == nullptr)
        return fail(ENETDOWN);
    return {};
}

void Poller::Impl::take_ready() {
    std::array<void*, 64> batch;
    unsigned n = 0;
    while ((n = rte_ring_sc_dequeue_burst(core.ready, batch.data(), batch.size(), nullptr)) != 0) {
        for (unsigned i = 0; i < n; ++i) {
            const auto token = reinterpret_cast<std::uint64_t>(batch[i]);
            auto it = regs.find(token);
            if (it == regs.end())
                continue; // removed since
            // Cleared before the socket is examined: a change after this queues it again.
            it->second.socket->poll_queued.store(false, std::memory_order_release);
            candidates.push_back(token);
        }
    }
    if (core.overflow.exchange(false, std::memory_order_acq_rel))
        queue_all();
}

void Poller::Impl::queue_all() {
    for (auto& [token, reg] : regs) {
        reg.socket->poll_queued.store(false, std::memory_order_release);
        candidates.push_back(token);
    }
}

std::size_t Poller::Impl::report(std::span<PollEvent> out) {
    // Level-triggered sockets reported last time are looked at again (still ready: reported
    // again), as epoll puts them back on its ready list.
    for (std::uint64_t token : level)
        candidates.push_back(token);
    level.clear();
    std::unordered_set<std::uint64_t> seen;
    std::size_t n = 0;
    while (!candidates.empty() && n < out.size()) {
        const std::uint64_t token = candidates.front();
        candidates.pop_front();
        if (!seen.insert(token).second)
            continue;
        auto it = regs.find(token);
        if (it == regs.end() || !it->second.armed)
            continue;
        Registration& reg = it->second;
        const std::uint32_t ev = api::socket_readiness(*reg.socket) &
                                 (reg.events | poll_event::kError | poll_event::kHangup);
        if (ev == 0)
            continue;
        out[n++] = PollEvent{reg.user_data, ev};
        if (reg.trigger == Trigger::Level)
            level.push_back(token);
        else if (reg.trigger == Trigger::OneShot)
            reg.armed = false;
    }
    return n;
}

void Poller::Impl::sweep_closed() {
    for (auto it = regs.begin(); it != regs.end();) {
        if ((it->second.socket->load_state() & kClosed) != 0) {
            token_of.erase(it->second.socket.get());
            it = regs.erase(it);
        } else {
            ++it;
        }
    }
}

std::uint32_t Socket::readiness() const {
    return core_ ? api::socket_readiness(*core_) : (poll_event::kError | poll_event::kHangup);
}

Poller::Poller() : impl_(std::make_unique<Impl>()) {
    NetworkStack* stack = NetworkStack::default_stack();
    if (stack != nullptr && stack->engine() != nullptr)
        impl_->engine = stack->engine()->shared_from_this();
    if (impl_->engine && impl_->engine->enter()) {
        const std::string name = "mnpoll" + std::to_string(api::g_poller_serial.fetch_add(1));
        impl_->core.ready =
            rte_ring_create(name.c_str(), api::kReadySlots, SOCKET_ID_ANY, RING_F_SC_DEQ);
        impl_->engine->leave();
    }
}

Poller::Poller(NetworkStack& stack) : impl_(std::make_unique<Impl>()) {
    if (stack.engine() != nullptr)
        impl_->engine = stack.engine()->shared_from_this();
    if (impl_->engine && impl_->engine->enter()) {
        const std::string name = "mnpoll" + std::to_string(api::g_poller_serial.fetch_add(1));
        impl_->core.ready =
            rte_ring_create(name.c_str(), api::kReadySlots, SOCKET_ID_ANY, RING_F_SC_DEQ);
        impl_->engine->leave();
    }
}

Poller::~Poller() {
    std::lock_guard lock(impl_->mutex);
    for (auto& [token, reg] : impl_->regs) {
        api::PollerCore* mine = &impl_->core;
        reg.socket->poller.compare_exchange_strong(mine, nullptr);
    }
    impl_->regs.clear();
    if (!impl_->engine || impl_->core.ready == nullptr)
        return;
    // Grace period: an lcore that read our pointer before it was cleared finishes its
    // iteration before it runs this no-op; after it no lcore can touch the ring.
    if (impl_->engine->call_all([](api::ApiShard&, Instant) {}) && impl_->engine->enter()) {
        rte_ring_free(impl_->core.ready);
        impl_->engine->leave();
    }
    // Stack down: EAL memory is gone or going; the ring goes with it.
}

Result<void> Poller::add(Socket& socket, std::uint32_t events, std::uint64_t user_data,
                         Trigger trigger) {
    std::lock_guard lock(impl_->mutex);
    if (auto ok = impl_->usable(); !ok)
        return ok;
    Socket::Core* s = socket.core();
    if (s == nullptr || (s->load_state() & kClosed) != 0)
        return fail(EBADF);
    if (impl_->token_of.count(s) != 0)
        return fail(EEXIST);
    api::PollerCore* none = nullptr;
    if (!s->poller.compare_exchange_strong(none, &impl_->core))
        return fail(EBUSY);
    const std::uint64_t token = impl_->engine->next_token.fetch_add(1);
    s->poll_token.store(token, std::memory_order_release);
    s->poll_queued.store(false, std::memory_order_release);
    impl_->regs[token] =
        Impl::Registration{s->shared_from_this(), events, user_data, trigger, true};
    impl_->token_of[s] = token;
    impl_->candidates.push_back(token); // report what is already ready, as epoll_ctl does
    impl_->core.wake.signal();
    if (++impl_->waits % 1024 == 0)
        impl_->sweep_closed();
    return {};
}

Result<void> Poller::modify(Socket& socket, std::uint32_t events, std::uint64_t user_data,
                            Trigger trigger) {
    std::lock_guard lock(impl_->mutex);
    auto t = impl_->token_of.find(socket.core());
    if (t == impl_->token_of.end())
        return fail(ENOENT);
    auto& reg = impl_->regs.at(t->second);
    reg.events = events;
    reg.user_data = user_data;
    reg.trigger = trigger;
    reg.armed = true;
    impl_->candidates.push_back(t->second);
    impl_->core.wake.signal();
    return {};
}

Result<void> Poller::remove(Socket& socket) {
    std::lock_guard lock(impl_->mutex);
    auto t = impl_->token_of.find(socket.core());
    if (t == impl_->token_of.end())
        return fail(ENOENT);
    api::PollerCore* mine = &impl_->core;
    socket.core()->poller.compare_exchange_strong(mine, nullptr);
    impl_->regs.erase(t->second);
    impl_->token_of.erase(t);
    return {};
}

Result<std::size_t> Poller::wait(std::span<PollEvent> out,
                                 std::optional<std::chrono::milliseconds> timeout) {
    if (out.empty())
        return fail(EINVAL);
    // Negative (epoll_wait's -1) and huge timeouts wait forever. A plain time point and a
    // flag (an optional here trips g++ 12's maybe-uninitialized).
    if (timeout && (timeout->count() < 0 || *timeout >= api::kForever))
        timeout.reset();
    const bool bounded = timeout.has_value();
    const auto deadline =
        glue::WaitWord::Clock::now() + timeout.value_or(std::chrono::milliseconds(0));
    std::unique_lock lock(impl_->mutex);
    if (auto ok = impl_->usable(); !ok)
        return fail(ok.error());
    if (++impl_->waits % 64 == 0)
        impl_->sweep_closed();
    for (;;) {
        const std::uint32_t ticket = impl_->core.wake.ticket();
        // The ready ring is EAL memory: touched only while the runtime is held up.
        if (!impl_->engine->enter())
            return fail(ENETDOWN);
        impl_->take_ready();
        impl_->engine->leave();
        if (const std::size_t n = impl_->report(out); n != 0)
            return n;
        const auto now = glue::WaitWord::Clock::now();
        if (bounded && now >= deadline)
            return std::size_t{0};
        // Bounded sleeps so a stack stop is noticed even when no socket signals. The lock is
        // released meanwhile: other threads may add, modify and remove (they signal `wake`).
        auto until = now + std::chrono::milliseconds(200);
        if (bounded && deadline < until)
            until = deadline;
        lock.unlock();
        impl_->core.wake.wait(ticket, until);
        lock.lock();
    }
}

std::size_t Poller::size() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->regs.size();
}

} // namespace multios::net
