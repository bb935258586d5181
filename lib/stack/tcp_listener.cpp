// TCP listening sockets (see tcp_listener.hpp).
#include "stack/tcp_listener.hpp"

#include <utility>

namespace multios::net {

namespace {

bool is_unspecified(const IpAddress& a) {
    return a.is_v4() ? a.v4().is_unspecified() : a.v6().is_unspecified();
}

/// How well listener `l` matches destination `dst`: 3 exact address, 2 the family's
/// unspecified address, 1 "::" taking IPv4 (IPV6_V6ONLY off, as iperf3 expects), 0 no match.
int match_rank(const TcpListener& l, const IpAddress& dst) {
    if (l.local == dst)
        return 3;
    if (!is_unspecified(l.local))
        return 0;
    if (l.local.is_v4() == dst.is_v4())
        return 2;
    return l.local.is_v6() && !l.v6only ? 1 : 0;
}

} // namespace

Result<TcpListenerId> TcpListeners::open(const IpAddress& local, std::uint16_t port,
                                         std::uint32_t backlog, const TcpListenOptions& o) {
    std::optional<std::uint32_t> free;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        const TcpListener& l = slots_[i];
        // SO_REUSEPORT: sharing needs the option on every listener of the binding.
        if (l.open && l.port == port && l.local == local && !(l.reuse_port && o.reuse_port))
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
    l.config = o.config;
    l.hop_limit = o.hop_limit.value_or(0);
    l.v6only = o.v6only;
    l.reuse_port = o.reuse_port;
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
    return const_cast<TcpListener*>(std::as_const(*this).resolve(id));
}

const TcpListener* TcpListeners::resolve(TcpListenerId id) const {
    const auto index = static_cast<std::uint32_t>(id);
    const auto generation = static_cast<std::uint32_t>(id >> 32);
    if (index >= slots_.size() || !slots_[index].open || slots_[index].generation != generation)
        return nullptr;
    return &slots_[index];
}

TcpListenerId TcpListeners::handle(std::uint32_t index) const {
    return (std::uint64_t{slots_[index].generation} << 32) | index;
}

std::optional<TcpListenerId> TcpListeners::match(const IpAddress& dst, std::uint16_t port,
                                                 std::uint64_t flow_hash) const {
    int best_rank = 0;
    std::optional<std::uint32_t> best;
    std::uint32_t ties = 0; // Listeners sharing the best binding (reuse_port).
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        const TcpListener& l = slots_[i];
        if (!l.open || l.port != port)
            continue;
        const int r = match_rank(l, dst);
        if (r > best_rank) {
            best_rank = r;
            best = i;
            ties = 1;
        } else if (r > 0 && r == best_rank) {
            ++ties; // Same rank means the same bound address: a reuse_port group.
        }
    }
    if (!best)
        return std::nullopt;
    if (ties > 1)
        best = nth_of_rank(dst, port, best_rank, static_cast<std::uint32_t>(flow_hash % ties));
    return handle(*best);
}

std::uint32_t TcpListeners::nth_of_rank(const IpAddress& dst, std::uint16_t port, int rank,
                                        std::uint32_t n) const {
    std::uint32_t seen = 0;
    for (std::uint32_t i = 0; i < slots_.size(); ++i) {
        const TcpListener& l = slots_[i];
        if (l.open && l.port == port && match_rank(l, dst) == rank && seen++ == n)
            return i;
    }
    return 0; // Unreachable: match() counted n < ties such listeners.
}

bool TcpListeners::port_in_use(const IpAddress& local, std::uint16_t port) const {
    for (const TcpListener& l : slots_)
        if (l.open && l.port == port && match_rank(l, local) > 0)
            return true;
    return false;
}

} // namespace multios::net
