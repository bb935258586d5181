#include "socket_registry.hpp"

#include <array>
#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "client_session.hpp"

namespace multios::net::netd {

namespace {

// An eventfd is readable while its counter is non-zero and writable while a write of 1 would
// not overflow it: counter 1 = readable + writable, kAlmostFull = readable, not writable.
constexpr std::uint64_t kAlmostFull = 0xfffffffffffffffeull;

std::uint64_t eventfd_target(std::uint32_t bits) {
    if ((bits & (POLLIN | POLLERR | POLLHUP)) == 0)
        return 0; // not readable; writability is then read from the readiness word
    return (bits & POLLOUT) != 0 ? 1 : kAlmostFull;
}

// The counter is ours alone (clients never read the eventfd), so neither call blocks even if
// a client cleared O_NONBLOCK on the shared file description.
void set_eventfd(StackSocket& s, std::uint64_t target) {
    if (target == s.efd_counter)
        return;
    if (s.efd_counter != 0) {
        std::uint64_t v = 0;
        if (::read(s.eventfd, &v, sizeof v) != static_cast<ssize_t>(sizeof v))
            return;
        s.efd_counter = 0;
    }
    if (target != 0 &&
        ::write(s.eventfd, &target, sizeof target) == static_cast<ssize_t>(sizeof target))
        s.efd_counter = target;
}

} // namespace

std::uint32_t poll_bits(std::uint32_t events, bool stashed) {
    using namespace poll_event;
    std::uint32_t bits = 0;
    if ((events & kReadable) != 0 || stashed)
        bits |= POLLIN;
    if ((events & kWritable) != 0)
        bits |= POLLOUT;
    if ((events & kError) != 0)
        bits |= POLLERR;
    if ((events & kHangup) != 0)
        bits |= POLLHUP;
    if ((events & kReadHangup) != 0)
        bits |= POLLRDHUP;
    return bits;
}

SocketRegistry::SocketRegistry(NetworkStack& stack) : stack_(stack), poller_(stack) {}

SocketRegistry::~SocketRegistry() {
    stop();
}

Result<std::shared_ptr<StackSocket>> SocketRegistry::adopt(Socket s, int domain, int type) {
    if (auto r = s.set_nonblocking(true); !r)
        return fail(r.error());
    const int efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (efd < 0)
        return fail(errno);
    std::shared_ptr<StackSocket> sock;
    {
        std::lock_guard lock(mutex_);
        sock = std::make_shared<StackSocket>(next_id_++, std::move(s), efd, domain, type);
        sockets_.emplace(sock->id, sock);
    }
    using namespace poll_event;
    const std::uint32_t all = kReadable | kWritable | kError | kHangup | kReadHangup;
    if (auto r = poller_.add(sock->socket, all, sock->id, Trigger::Edge); !r) {
        std::lock_guard lock(mutex_);
        sockets_.erase(sock->id);
        ::close(efd);
        return fail(r.error());
    }
    refresh(*sock);
    return sock;
}

void SocketRegistry::retain(StackSocket& s) {
    std::lock_guard lock(s.mutex);
    ++s.refs;
}

void SocketRegistry::release(const std::shared_ptr<StackSocket>& s) {
    {
        std::lock_guard lock(s->mutex);
        if (s->refs == 0 || --s->refs != 0)
            return;
        s->subscribers.clear();
        (void)s->flush_cork();
    }
    (void)poller_.remove(s->socket);
    (void)s->socket.close();
    ::close(s->eventfd);
    std::lock_guard lock(mutex_);
    sockets_.erase(s->id);
}

void SocketRegistry::refresh(StackSocket& s) {
    std::lock_guard lock(s.mutex);
    refresh_locked(s);
}

void SocketRegistry::refresh_locked(StackSocket& s) {
    if (!s.corked && !s.cork.empty())
        (void)s.flush_cork(); // a remainder the socket had no room for before
    const std::uint32_t bits = poll_bits(s.socket.readiness(), s.stashed);
    // Words first, eventfd second: a client woken by the eventfd then finds the word current.
    if (bits != s.published) {
        s.published = bits;
        for (const Subscriber& sub : s.subscribers)
            sub.client->publish(sub.slot, bits);
    }
    set_eventfd(s, eventfd_target(bits));
}

void SocketRegistry::subscribe(StackSocket& s, ClientSession* client, std::uint32_t slot) {
    std::lock_guard lock(s.mutex);
    s.subscribers.push_back({client, slot});
    client->publish(slot, s.published);
    refresh_locked(s);
}

void SocketRegistry::unsubscribe(StackSocket& s, ClientSession* client, std::uint32_t slot) {
    std::lock_guard lock(s.mutex);
    std::erase_if(s.subscribers,
                  [&](const Subscriber& x) { return x.client == client && x.slot == slot; });
}

std::shared_ptr<StackSocket> SocketRegistry::find(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    const auto it = sockets_.find(id);
    return it == sockets_.end() ? nullptr : it->second;
}

void SocketRegistry::start() {
    thread_ = std::thread([this] { run(); });
}

void SocketRegistry::stop() {
    stopping_ = true;
    if (thread_.joinable())
        thread_.join();
}

void SocketRegistry::run() {
    std::array<PollEvent, 256> events;
    while (!stopping_.load()) {
        auto n = poller_.wait(events, std::chrono::milliseconds(100));
        if (!n)
            break; // the stack stopped
        for (std::size_t i = 0; i < *n; ++i)
            if (auto s = find(events[i].user_data))
                refresh(*s);
    }
}

} // namespace multios::net::netd
