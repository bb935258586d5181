// UDP (RFC 768): demultiplexing to bound sockets (most specific binding first, SO_REUSEPORT
// groups by source hash), port unreachable for closed ports, ephemeral ports (RFC 6056),
// send, and the readiness list.
#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>

#include <multios/net/wire/udp.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

DropReason udp_drop_reason(wire::ParseError e) {
    switch (e) {
    case wire::ParseError::BadChecksum:
        return DropReason::UdpBadChecksum;
    case wire::ParseError::BadLength:
        return DropReason::UdpBadLength;
    default:
        return DropReason::UdpTruncated;
    }
}

bool is_unspecified(const IpAddress& a) {
    return a.is_v4() ? a.v4().is_unspecified() : a.v6().is_unspecified();
}

bool takes_v4(const UdpSocket& s) {
    return s.any_family || s.local.is_v4();
}

bool takes_v6(const UdpSocket& s) {
    return s.any_family || s.local.is_v6();
}

/// How specifically `s` is bound for a datagram to `dst`:`port`: 3 its exact address, 2 the
/// wildcard of dst's family, 1 a dual-stack wildcard of the other family, 0 no match. The
/// most specific binding wins, as in Linux (a "0.0.0.0" socket beats a dual-stack "::").
int match_score(const UdpSocket& s, const IpAddress& dst, std::uint16_t port) {
    if (!s.open || s.port != port)
        return 0;
    if (!(dst.is_v4() ? takes_v4(s) : takes_v6(s)))
        return 0;
    if (!is_unspecified(s.local))
        return s.local == dst ? 3 : 0;
    return s.local.is_v4() == dst.is_v4() ? 2 : 1;
}

/// True when a datagram could match both bindings (Berkeley bind() conflict).
bool bindings_overlap(const UdpSocket& a, const UdpSocket& b) {
    const bool families = (takes_v4(a) && takes_v4(b)) || (takes_v6(a) && takes_v6(b));
    if (!families)
        return false;
    return is_unspecified(a.local) || is_unspecified(b.local) || a.local == b.local;
}

/// The binding `candidate` would take conflicts with an open socket (EADDRINUSE).
bool port_taken(const std::vector<UdpSocket>& socks, const UdpSocket& candidate) {
    for (const auto& s : socks)
        if (s.open && s.port == candidate.port && bindings_overlap(s, candidate) &&
            !(s.reuse_port && candidate.reuse_port))
            return true;
    return false;
}

/// Keyed hash of the datagram's source: all datagrams of one flow reach one socket of a
/// SO_REUSEPORT group, and a sender cannot predict which.
std::uint64_t source_hash(const SipKey& key, const IpAddress& src, std::uint16_t src_port) {
    std::array<std::uint8_t, 18> buf{};
    std::size_t n = 0;
    if (src.is_v4()) {
        std::copy(src.v4().bytes.begin(), src.v4().bytes.end(), buf.begin());
        n = 4;
    } else {
        std::copy(src.v6().bytes.begin(), src.v6().bytes.end(), buf.begin());
        n = 16;
    }
    buf[n++] = static_cast<std::uint8_t>(src_port >> 8);
    buf[n++] = static_cast<std::uint8_t>(src_port & 0xff);
    return siphash24(key, std::span<const std::uint8_t>{buf.data(), n});
}

} // namespace

UdpSocket* StackCore::Impl::udp_lookup(const IpAddress& dst, std::uint16_t port,
                                       const IpAddress& src, std::uint16_t src_port) {
    int best = 0;
    std::size_t count = 0;
    for (const auto& s : udp_sockets) {
        const int score = match_score(s, dst, port);
        if (score > best) {
            best = score;
            count = 1;
        } else if (score == best && score > 0) {
            ++count;
        }
    }
    if (best == 0)
        return nullptr;
    // Bind conflicts leave several sockets with the best score only for a SO_REUSEPORT
    // group: pick one by the source hash.
    std::size_t pick = count > 1 ? source_hash(udp_reuse_key, src, src_port) % count : 0;
    for (auto& s : udp_sockets)
        if (match_score(s, dst, port) == best && pick-- == 0)
            return &s;
    return nullptr;
}

void StackCore::Impl::udp_input(const IpMeta& meta, std::span<const std::byte> data, Instant now) {
    wire::UdpDatagram d;
    const auto e = meta.src.is_v4() ? wire::parse_udp_v4(data, meta.src.v4(), meta.dst.v4(), d)
                                    : wire::parse_udp_v6(data, meta.src.v6(), meta.dst.v6(), d);
    if (e != wire::ParseError::Ok) {
        drops.add(udp_drop_reason(e));
        return;
    }
    ++counters.udp_rx;
    if (UdpSocket* s = udp_lookup(meta.dst, d.dst_port, meta.src, d.src_port)) {
        if (!s->queue->push({meta.src, d.src_port, meta.dst, d.dst_port, meta.ttl}, d.payload)) {
            drops.add(DropReason::UdpQueueFull);
            return;
        }
        if (s->queue->size() == 1 && !s->in_ready) {
            s->in_ready = true;
            udp_ready.push_back(static_cast<UdpSocketId>(s - udp_sockets.data()));
        }
        return;
    }
    drops.add(DropReason::UdpNoSocket);
    if (meta.src.is_v4())
        icmp_error(meta, wire::icmpv4::kDestUnreachable, wire::icmpv4::kPortUnreachable, 0, now);
    else
        icmp_error(meta, wire::icmpv6::kDestUnreachable, wire::icmpv6::kPortUnreachable, 0, now);
}

Result<UdpSocketId> StackCore::udp_open(const IpAddress& local, std::uint16_t port) {
    // Historical meaning kept for the CLI: any unspecified address takes both families.
    if (!(local.is_v4() && local.v4().is_unspecified()))
        return udp_open(local, port, UdpOpenOptions{});
    auto r = udp_open(IpAddress{Ipv6Address{}}, port, UdpOpenOptions{});
    if (r)
        impl_->udp_sockets[*r].local = local; // Still reported as bound to 0.0.0.0.
    return r;
}

Result<UdpSocketId> StackCore::udp_open(const IpAddress& local, std::uint16_t port,
                                        const UdpOpenOptions& opt) {
    if (opt.hop_limit && *opt.hop_limit == 0)
        return fail(EINVAL);
    Impl& im = *impl_;
    auto& socks = im.udp_sockets;
    UdpSocket want;
    want.open = true;
    want.local = local;
    want.any_family = local.is_v6() && local.v6().is_unspecified() && !opt.v6only;
    want.reuse_port = opt.reuse_port;
    want.hop_limit = opt.hop_limit.value_or(0);
    want.port = port;
    if (port == 0) {
        // RFC 6056 3.3.1: a random starting point, then the next free port of the range.
        const std::uint32_t first = im.config.tcp.ephemeral_first;
        const std::uint32_t last = std::max(first, std::uint32_t{im.config.tcp.ephemeral_last});
        const std::uint32_t range = last - first + 1;
        const std::uint64_t start = splitmix64(im.udp_port_state) % range;
        want.reuse_port = false; // An automatic port is never shared.
        bool found = false;
        for (std::uint32_t k = 0; k < range && !found; ++k) {
            want.port = static_cast<std::uint16_t>(first + (start + k) % range);
            found = !port_taken(socks, want);
        }
        if (!found)
            return fail(EADDRNOTAVAIL);
        want.reuse_port = opt.reuse_port;
    } else if (port_taken(socks, want)) {
        return fail(EADDRINUSE);
    }
    std::size_t slot = 0;
    while (slot < socks.size() && socks[slot].open)
        ++slot;
    if (slot == socks.size())
        socks.emplace_back();
    // Room for the configured number of datagrams or bytes of payload, whichever ends first.
    want.queue =
        std::make_unique<DatagramQueue>(im.config.udp_queue_datagrams, im.config.udp_queue_bytes);
    socks[slot] = std::move(want);
    return static_cast<UdpSocketId>(slot);
}

void StackCore::udp_close(UdpSocketId id) {
    Impl& im = *impl_;
    if (id >= im.udp_sockets.size())
        return;
    UdpSocket& s = im.udp_sockets[id];
    if (s.in_ready)
        std::erase(im.udp_ready, id);
    s = UdpSocket{};
}

std::uint16_t StackCore::udp_local_port(UdpSocketId id) const {
    if (id >= impl_->udp_sockets.size() || !impl_->udp_sockets[id].open)
        return 0;
    return impl_->udp_sockets[id].port;
}

IpAddress StackCore::udp_local_address(UdpSocketId id) const {
    if (id >= impl_->udp_sockets.size() || !impl_->udp_sockets[id].open)
        return IpAddress{Ipv4Address{}};
    return impl_->udp_sockets[id].local;
}

Result<void> StackCore::udp_set_hop_limit(UdpSocketId id, std::uint8_t hop_limit) {
    if (id >= impl_->udp_sockets.size() || !impl_->udp_sockets[id].open)
        return fail(EBADF);
    if (hop_limit == 0)
        return fail(EINVAL);
    impl_->udp_sockets[id].hop_limit = hop_limit;
    return {};
}

Result<void> StackCore::udp_send_to(UdpSocketId id, const IpAddress& dst, std::uint16_t dst_port,
                                    std::span<const std::byte> payload, Instant now) {
    if (id >= impl_->udp_sockets.size() || !impl_->udp_sockets[id].open)
        return fail(EBADF);
    const UdpSocket& s = impl_->udp_sockets[id];
    if (!(dst.is_v4() ? takes_v4(s) : takes_v6(s)))
        return fail(EAFNOSUPPORT);
    const std::size_t max = dst.is_v4() ? 65535 - 20 - 8 : 65535 - 8;
    if (payload.size() > max)
        return fail(EMSGSIZE);
    IpSendParams p;
    // A socket bound to one address sends from it (RFC 1122 4.1.3.5: the source of a reply
    // is the address the request was sent to).
    if (s.local.is_v4() == dst.is_v4())
        p.src = s.local;
    p.dst = dst;
    p.protocol = wire::ipproto::kUdp;
    p.ttl = s.hop_limit;
    // The checksum's pseudo-header needs the source address, which routing decides.
    Impl& im = *impl_;
    if (is_unspecified(p.src) || p.src.is_v4() != dst.is_v4()) {
        auto chosen = im.path_and_source(dst, now);
        if (!chosen)
            return fail(EADDRNOTAVAIL);
        std::tie(p.path, p.src) = *chosen;
    }
    const std::uint16_t sport = s.port;
    const Result<void> r = im.ip_output(
        p, wire::kUdpHeaderLen + payload.size(),
        [&](std::span<std::byte> out) {
            std::memcpy(out.data() + wire::kUdpHeaderLen, payload.data(), payload.size());
            if (dst.is_v4())
                wire::emit_udp_v4(out, sport, dst_port, p.src.v4(), dst.v4());
            else
                wire::emit_udp_v6(out, sport, dst_port, p.src.v6(), dst.v6());
        },
        now);
    if (r)
        ++im.counters.udp_tx;
    return r;
}

std::size_t StackCore::udp_drain(UdpSocketId id, FunctionRef<void(const UdpDatagramView&)> fn) {
    if (id >= impl_->udp_sockets.size() || !impl_->udp_sockets[id].open)
        return 0;
    DatagramQueue& q = *impl_->udp_sockets[id].queue;
    std::size_t n = 0;
    while (!q.empty()) {
        const DatagramMeta& m = q.front_meta();
        fn(UdpDatagramView{m.src, m.src_port, m.dst, m.dst_port, q.front_payload()});
        q.pop();
        ++n;
    }
    return n;
}

void StackCore::udp_take_readable(FunctionRef<void(UdpSocketId)> fn) {
    Impl& im = *impl_;
    // Index loop: `fn` may close a socket still listed further on (udp_close erases it;
    // entries before `i` are no longer marked, so nothing already visited moves).
    for (std::size_t i = 0; i < im.udp_ready.size(); ++i) {
        const UdpSocketId id = im.udp_ready[i];
        UdpSocket& s = im.udp_sockets[id];
        if (!s.open || !s.in_ready)
            continue;
        s.in_ready = false;
        fn(id);
    }
    im.udp_ready.clear();
}

} // namespace multios::net
