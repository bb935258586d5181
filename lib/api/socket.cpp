// Socket: construction, moves, close, addresses (the per-type calls are in socket_stream.cpp,
// socket_datagram.cpp and socket_options.cpp).
#include <multios/net/network_stack.hpp>
#include <multios/net/socket.hpp>

#include "api/poller_core.hpp"
#include "api/socket_internal.hpp"
#include "api/socket_wait.hpp"

namespace multios::net {

using namespace sockstate;

namespace {

AddressFamily raw_family(int protocol) {
    return protocol == 58 ? AddressFamily::IPv6 : AddressFamily::IPv4;
}

std::shared_ptr<Socket::Core> make_core(NetworkStack* stack, SocketType type, AddressFamily family,
                                        int protocol) {
    auto core = std::make_shared<Socket::Core>(type, family, protocol);
    if (NetworkStack::Engine* e = stack != nullptr ? stack->engine() : nullptr)
        core->engine = e->shared_from_this();
    return core;
}

} // namespace

Socket::Socket(SocketType type, int protocol) : Socket(type, raw_family(protocol), protocol) {}

Socket::Socket(SocketType type, AddressFamily family, int protocol)
    : core_(make_core(NetworkStack::default_stack(), type, family, protocol)) {}

Socket::Socket(NetworkStack& stack, SocketType type, int protocol)
    : Socket(stack, type, raw_family(protocol), protocol) {}

Socket::Socket(NetworkStack& stack, SocketType type, AddressFamily family, int protocol)
    : core_(make_core(&stack, type, family, protocol)) {}

Socket::Socket(std::shared_ptr<Core> core) : core_(std::move(core)) {}

Socket::~Socket() {
    if (is_open())
        (void)close();
}

Socket::Socket(Socket&& other) noexcept = default;

Socket& Socket::operator=(Socket&& other) noexcept {
    if (this != &other) {
        if (is_open())
            (void)close();
        core_ = std::move(other.core_);
    }
    return *this;
}

SocketType Socket::type() const {
    return core_ ? core_->type : SocketType::Stream;
}

bool Socket::is_open() const {
    return core_ && (core_->load_state() & kClosed) == 0;
}

Result<SocketAddress> Socket::local_address() const {
    if (!core_)
        return fail(EBADF);
    std::lock_guard lock(core_->app_mutex);
    const std::uint32_t st = core_->load_state();
    if (!core_->bound && (st & (kConnected | kListening | kConnecting)) == 0 &&
        core_->datagram_ids.empty())
        return fail(EINVAL);
    return core_->local;
}

Result<SocketAddress> Socket::peer_address() const {
    if (!core_)
        return fail(EBADF);
    std::lock_guard lock(core_->app_mutex);
    if (core_->type == SocketType::Stream) {
        if ((core_->load_state() & kConnected) == 0)
            return fail(ENOTCONN);
    } else if (!core_->connected_peer) {
        return fail(ENOTCONN);
    }
    return core_->peer;
}

std::error_code Socket::error() {
    if (!core_)
        return make_errno_error(EBADF);
    const int e = core_->pending_error.exchange(0);
    return e == 0 ? std::error_code{} : make_errno_error(e);
}

Result<void> Socket::close() {
    if (!core_)
        return fail(EBADF);
    Core& s = *core_;
    int linger = -1;
    {
        std::lock_guard lock(s.app_mutex);
        if ((s.load_state() & kClosed) != 0)
            return fail(EBADF);
        if (s.options.linger)
            linger = static_cast<int>(s.options.linger->count());
        s.close_linger = linger;
        s.set_state(kClosed);
    }
    api::forget_poller(s);
    s.changed.signal(); // threads blocked on this socket see kClosed and return EBADF
    if (!s.engine || s.engine->down.load())
        return {};
    return api::release_socket(s, linger);
}

} // namespace multios::net
