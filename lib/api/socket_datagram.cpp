// Socket calls of datagram (UDP) sockets: opening on every lcore, send_to, recv_from.
#include <multios/net/socket.hpp>

#include "api/datagram_record.hpp"
#include "api/socket_internal.hpp"
#include "api/socket_wait.hpp"

namespace multios::net {

using namespace sockstate;
using api::deadline_after;
using api::wait_until;

namespace {

// RFC 791/8200 limits: a UDP payload must fit one IP datagram of at most 65535 bytes
// (IPv4: 65535 - 20 - 8; IPv6 payload length: 65535 - 8).
constexpr std::size_t kMaxUdpV4 = 65507;
constexpr std::size_t kMaxUdpV6 = 65527;

std::size_t max_payload(const Socket::Core& s, const SocketAddress& to) {
    if (s.type == SocketType::Datagram)
        return to.is_v4() ? kMaxUdpV4 : kMaxUdpV6;
    if (!to.is_v4())
        return 65535;
    return s.options.header_included ? 65535 : 65515; // the IPv4 header counts in 65535
}

// Raw sockets exist from creation on (Linux opens them at socket()); here on first use.
Result<void> ensure_open(Socket::Core& s, const SocketAddress& any) {
    std::lock_guard app(s.app_mutex);
    if (!s.datagram_ids.empty())
        return {};
    return api::open_datagram(s, any);
}

SocketAddress any_for(const Socket::Core& s) {
    return s.family == AddressFamily::IPv4 && s.type == SocketType::Raw ? SocketAddress::any_v4(0)
                                                                        : SocketAddress::any_v6(0);
}

} // namespace

namespace api {

namespace {

// Opens the protocol socket on one lcore's stack; its id, or the errno.
Result<std::uint32_t> open_on(ApiShard& shard, const Socket::Core& s, const SocketAddress& at) {
    StackCore& stack = shard.stack();
    if (s.type == SocketType::Raw) {
        auto id =
            stack.raw_open(s.family == AddressFamily::IPv6, static_cast<std::uint8_t>(s.protocol));
        if (!id)
            return id;
        if (s.options.header_included)
            (void)stack.raw_set_header_included(*id, true);
        if (s.options.ttl)
            (void)stack.raw_set_hop_limit(*id, *s.options.ttl);
        return id;
    }
    UdpOpenOptions o;
    o.v6only = s.options.v6only;
    o.reuse_port = s.options.reuse_port;
    o.hop_limit = s.options.ttl;
    return stack.udp_open(at.address, at.port, o);
}

void close_on(ApiShard& shard, const Socket::Core& s, std::uint32_t id) {
    if (s.type == SocketType::Raw)
        shard.stack().raw_close(id);
    else
        shard.stack().udp_close(id);
}

} // namespace

Result<void> open_datagram(Socket::Core& s, const SocketAddress& local) {
    NetworkStack::Engine& e = *s.engine;
    const unsigned lcores = e.lcores();
    if (s.type == SocketType::Raw && (s.protocol < 1 || s.protocol > 254))
        return fail(EPROTONOSUPPORT);
    // Every lcore may receive datagrams for the socket (they are steered by flow): one
    // receive ring each; sending goes through one lcore.
    s.rx_parts.clear();
    for (unsigned l = 0; l < lcores; ++l)
        s.rx_parts.push_back(std::make_unique<ByteRing>(s.options.rx_ring()));
    s.tx = std::make_unique<ByteRing>(s.options.tx_ring());
    s.lcore = e.pick_lcore();
    std::vector<std::uint32_t> ids(lcores, 0);
    std::vector<bool> opened(lcores, false);
    SocketAddress at = local;
    int error = 0;
    // Lcore 0 first: with port 0 its stack picks the ephemeral port the others then bind
    // (every lcore's stack has the same UDP sockets, so the port is free on all of them).
    auto first = e.call(0, [&](ApiShard& shard, Instant) {
        auto id = open_on(shard, s, at);
        if (!id) {
            error = id.error().value();
            return;
        }
        ids[0] = *id;
        opened[0] = true;
        if (s.type == SocketType::Datagram)
            at.port = shard.stack().udp_local_port(*id);
    });
    if (!first)
        return first;
    if (error == 0) {
        auto rest = e.call_all([&](ApiShard& shard, Instant) {
            const unsigned l = shard.lcore();
            if (l == 0 || error != 0)
                return;
            auto id = open_on(shard, s, at);
            if (!id) {
                error = id.error().value();
                return;
            }
            ids[l] = *id;
            opened[l] = true;
        });
        if (!rest)
            return rest;
    }
    if (error != 0) {
        (void)e.call_all([&](ApiShard& shard, Instant) {
            if (opened[shard.lcore()])
                close_on(shard, s, ids[shard.lcore()]);
        });
        return fail(error);
    }
    s.datagram_ids = ids;
    s.local = at;
    // Attached only once every lcore has its id: the receive paths index datagram_ids.
    return e.call_all([&s](ApiShard& shard, Instant) {
        shard.attach_datagram(s, s.datagram_ids[shard.lcore()]);
    });
}

} // namespace api

Result<std::size_t> Socket::send_to(std::span<const std::byte> data, const SocketAddress& to) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (s.type == SocketType::Stream)
        return fail(EOPNOTSUPP);
    if (data.size() > max_payload(s, to))
        return fail(EMSGSIZE);
    if (s.type == SocketType::Raw && to.is_v4() != (s.family == AddressFamily::IPv4))
        return fail(EAFNOSUPPORT);
    std::lock_guard lock(s.send_mutex);
    // First send on an unbound socket: an ephemeral port on every address ("::" takes both
    // families unless IPV6_V6ONLY).
    if (auto r = ensure_open(s, any_for(s)); !r)
        return fail(r.error());
    if (const int e = s.pending_error.exchange(0); e != 0)
        return fail(e); // an earlier datagram's asynchronous failure
    if (data.size() + api::kRecordHeader > s.tx->capacity())
        return fail(EMSGSIZE);
    auto fits = [&] {
        return s.tx->writable() >= data.size() + api::kRecordHeader;
    };
    if (!fits()) {
        if (s.options.nonblocking)
            return fail(EAGAIN);
        if (auto r = wait_until(s, deadline_after(s.options.sndtimeo), fits); !r)
            return fail(r.error());
    }
    api::write_record(*s.tx, to, data);
    s.engine->schedule(s);
    return data.size();
}

Result<std::pair<std::size_t, SocketAddress>> Socket::recv_from(std::span<std::byte> buffer) {
    auto usable = api::usable_core(core_);
    if (!usable)
        return fail(usable.error());
    Core& s = **usable;
    if (s.type == SocketType::Stream)
        return fail(EOPNOTSUPP);
    if (s.type == SocketType::Raw) {
        if (auto r = ensure_open(s, any_for(s)); !r)
            return fail(r.error());
    }
    std::lock_guard lock(s.recv_mutex);
    if (s.rx_parts.empty())
        return fail(EINVAL); // not bound yet: nothing can arrive (Linux would block forever)
    std::optional<std::pair<std::size_t, SocketAddress>> got;
    std::size_t start = 0;
    auto attempt = [&]() -> bool {
        if ((s.load_state() & kShutRead) != 0)
            return true;
        // Oldest-first within an lcore; lcores taken in turn so none starves.
        for (std::size_t i = 0; i < s.rx_parts.size(); ++i) {
            auto& ring = *s.rx_parts[(start + i) % s.rx_parts.size()];
            while (auto info = api::peek_record(ring)) {
                const std::size_t n = api::read_record(ring, *info, buffer);
                if (s.connected_peer && !(info->peer == s.peer))
                    continue; // a connected datagram socket hears only its peer
                got.emplace(n, info->peer);
                start = (start + i + 1) % s.rx_parts.size();
                return true;
            }
        }
        return false;
    };
    if (attempt())
        return got ? Result<std::pair<std::size_t, SocketAddress>>(*got)
                   : Result<std::pair<std::size_t, SocketAddress>>(
                         std::pair<std::size_t, SocketAddress>(0, SocketAddress{}));
    if (s.options.nonblocking)
        return fail(EAGAIN);
    if (auto r = wait_until(s, deadline_after(s.options.rcvtimeo), attempt); !r)
        return fail(r.error());
    if (!got)
        return std::pair<std::size_t, SocketAddress>(0, SocketAddress{});
    return *got;
}

} // namespace multios::net
