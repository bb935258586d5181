#include "client_session.hpp"

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

#include "shm/fd_passing.hpp"

namespace multios::net::netd {

namespace {

// A client that is busy keeps the thread spinning this long between requests before it sleeps;
// a sleeping thread re-checks the client's Unix socket this often (death of the client).
constexpr auto kSpin = std::chrono::microseconds(20);
constexpr auto kLivenessCheck = std::chrono::milliseconds(200);

std::span<const std::byte> as_bytes(const Welcome& w) {
    return {reinterpret_cast<const std::byte*>(&w), sizeof w};
}

} // namespace

Result<std::unique_ptr<ClientSession>> ClientSession::attach(SocketRegistry& registry,
                                                             ForkTokens& forks, int unix_fd,
                                                             const Hello& hello) {
    auto seg = shm::SharedSegment::create("multios-netd-client", segment_bytes());
    auto view = seg ? format_segment(seg->data(), seg->size()) : fail(seg.error());
    if (!view) {
        ::close(unix_fd); // from here on the session owns (and closes) it
        return fail(view.error());
    }
    std::unique_ptr<ClientSession> s(
        new ClientSession(registry, forks, unix_fd, std::move(*seg), std::move(*view), hello.pid));
    if (hello.fork_token != 0) {
        auto inherited = forks.take(hello.fork_token);
        if (!inherited)
            return fail(ESRCH);
        s->slots_ = std::move(*inherited);
        for (std::uint32_t i = 0; i < s->slots_.size(); ++i)
            if (s->slots_[i])
                registry.subscribe(*s->slots_[i], s.get(), i);
    }
    const Welcome w;
    if (auto r = shm::send_fd(unix_fd, s->segment_.fd(), as_bytes(w)); !r)
        return fail(r.error());
    return s;
}

ClientSession::ClientSession(SocketRegistry& registry, ForkTokens& forks, int unix_fd,
                             shm::SharedSegment seg, SegmentView view, std::uint32_t pid)
    : registry_(registry), forks_(forks), unix_fd_(unix_fd), segment_(std::move(seg)),
      view_(std::move(view)), pid_(pid) {}

ClientSession::~ClientSession() {
    stop_ = true;
    view_.header->request_wait.signal();
    if (thread_.joinable())
        thread_.join();
    drop_all_slots();
    ::close(unix_fd_);
}

void ClientSession::start() {
    thread_ = std::thread([this] { run(); });
}

void ClientSession::shut_down() {
    view_.header->daemon_gone.store(1);
    view_.header->completion_wait.signal();
    view_.header->change_wait.signal();
    stop_ = true;
    view_.header->request_wait.signal();
}

void ClientSession::publish(std::uint32_t slot, std::uint32_t bits) {
    if (slot >= view_.readiness.size())
        return;
    view_.readiness[slot].store(bits, std::memory_order_release);
    view_.header->change_wait.signal();
}

bool ClientSession::client_alive() const {
    char c;
    const ssize_t n = ::recv(unix_fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0)
        return false;
    return n > 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

bool ClientSession::wait_for_request() {
    for (;;) {
        const bool ready = view_.header->request_wait.spin_then_wait(
            [&] { return !view_.requests.empty() || stop_.load(); }, kSpin, kLivenessCheck);
        if (stop_.load() || view_.requests.corrupted())
            return false;
        if (ready)
            return true;
        if (!client_alive())
            return false;
    }
}

void ClientSession::run() {
    while (wait_for_request()) {
        Request req;
        auto n = view_.requests.try_pop({reinterpret_cast<std::byte*>(&req), sizeof req});
        if (!n)
            continue;
        if (*n != sizeof req) {
            break; // not our protocol: drop the client
        }
        serve(req);
    }
    drop_all_slots();
    finished_ = true;
}

void ClientSession::serve(const Request& req) {
    Completion c = handle(req);
    c.op = req.op;
    c.seq = req.seq;
    const std::span<const std::byte> msg{reinterpret_cast<const std::byte*>(&c), sizeof c};
    // One request at a time: the completion ring has room unless the client is broken.
    while (!view_.completions.try_push(msg)) {
        if (stop_.load() || view_.completions.corrupted() || !client_alive())
            return;
        std::this_thread::yield();
    }
    view_.header->completion_wait.signal();
}

void ClientSession::drop_all_slots() {
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i])
            continue;
        registry_.unsubscribe(*slots_[i], this, i);
        registry_.release(slots_[i]);
        slots_[i].reset();
    }
    slots_.clear();
}

} // namespace multios::net::netd
