// TCP listening sockets (see tcp_listener.hpp).
#include "stack/tcp_listener.hpp"

namespace multios::net {

namespace {

bool is_unspecified(const IpAddress& a) {
    return a.is_v4() ? a.v4().is_unspecified() : a.v6().is_unspecified();
}

/// How well a listener bound to `bound` matches destination `dst`: 3 exact address, 2 the
/// family's unspecified address, 1 "::" taking IPv4 (IPV6_V6ONLY off, as iperf3 expects),
/// 0 no match.
int match_rank(const IpAddress& bound, const IpAddress& dst) {
    if (bound == dst)
        return 3;
    if (!is_unspecified(bound))
        return 0;
    if (bound.is_v4() == dst.is_v4())
        return 2;
    return bound.is_v6() ? 1 : 0;
}

} // namespace

Result<TcpListenerId> TcpListeners::open(const IpAddress& local, std::uint16_t port,
                                         std::uint32_t backlog) {
    std::optional<std::uint32_t> free;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        const TcpListener& l = slots_[i];
        if (l.open && l.port == port && l.local == local)
            return fail(EADDRINUSE);
        if (!l.open && !free)
            free = i;
    }
    if (!free) {
        free = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    TcpListener& l = slots_[*free];
    l.open = true;
    l.local = local;
    l.port = port;
    l.backlog = backlog;
    l.syn_queue = 0;
    l.accepted.clear();
    l.reported = false;
    return handle(*free);
}

void TcpListeners::close(TcpListenerId id) {
    if (TcpListener* l = resolve(id)) {
        l->open = false;
        l->accepted.clear();
        l->syn_queue = 0;
        ++l->generation;
        if (l->generation == 0)
            l->generation = 1;
    }
}

TcpListener* TcpListeners::resolve(TcpListenerId id) {
    const auto index = static_cast<std::uint32_t>(id);
    const auto generation = static_cast<std::uint32_t>(id >> 32);
    if (index >= slots_.size() || !slots_[index].open || slots_[index].generation != generation)
        return nullptr;
    return &slots_[index];
}

TcpListenerId TcpListeners::handle(std::uint32_t index) const {
    return (std::uint64_t{slots_[index].generation} << 32) | index;
}

std::optional<TcpListenerId> TcpListeners::match(const IpAddress& dst, std::uint16_t port) const {
    int best_rank = 0;
    std::optional<std::uint32_t> best;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        const TcpListener& l = slots_[i];
        if (!l.open || l.port != port)
            continue;
        if (const int r = match_rank(l.local, dst); r > best_rank) {
            best_rank = r;
            best = i;
        }
    }
    if (!best)
        return std::nullopt;
    return handle(*best);
}

bool TcpListeners::port_in_use(const IpAddress& local, std::uint16_t port) const {
    for (const TcpListener& l : slots_)
        if (l.open && l.port == port && match_rank(l.local, local) > 0)
            return true;
    return false;
}

} // namespace multios::net
