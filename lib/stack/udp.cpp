// UDP (RFC 768): demultiplexing to bound sockets, port unreachable for closed ports, send.
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

bool socket_matches(const UdpSocket& s, const IpAddress& dst, std::uint16_t port) {
    if (!s.open || s.port != port)
        return false;
    if (s.any_family)
        return true;
    if (s.local.is_v4() != dst.is_v4())
        return false;
    const bool unspecified =
        s.local.is_v4() ? s.local.v4().is_unspecified() : s.local.v6().is_unspecified();
    return unspecified || s.local == dst;
}

} // namespace

void StackCore::Impl::udp_input(const IpMeta& meta, std::span<const std::byte> data, Instant now) {
    wire::UdpDatagram d;
    const auto e = meta.src.is_v4() ? wire::parse_udp_v4(data, meta.src.v4(), meta.dst.v4(), d)
                                    : wire::parse_udp_v6(data, meta.src.v6(), meta.dst.v6(), d);
    if (e != wire::ParseError::Ok) {
        drops.add(udp_drop_reason(e));
        return;
    }
    ++counters.udp_rx;
    for (auto& s : udp_sockets) {
        if (!socket_matches(s, meta.dst, d.dst_port))
            continue;
        if (!s.queue->push({meta.src, d.src_port, meta.dst, d.dst_port}, d.payload))
            drops.add(DropReason::UdpQueueFull);
        return;
    }
    drops.add(DropReason::UdpNoSocket);
    if (meta.src.is_v4())
        icmp_error(meta, wire::icmpv4::kDestUnreachable, wire::icmpv4::kPortUnreachable, 0, now);
    else
        icmp_error(meta, wire::icmpv6::kDestUnreachable, wire::icmpv6::kPortUnreachable, 0, now);
}

Result<UdpSocketId> StackCore::udp_open(const IpAddress& local, std::uint16_t port) {
    auto& socks = impl_->udp_sockets;
    const bool any = local.is_v4() && local.v4().is_unspecified();
    for (const auto& s : socks)
        if (s.open && s.port == port && (s.any_family || any || s.local == local))
            return fail(EADDRINUSE);
    std::size_t slot = 0;
    while (slot < socks.size() && socks[slot].open)
        ++slot;
    if (slot == socks.size())
        socks.emplace_back();
    UdpSocket& s = socks[slot];
    s.open = true;
    s.local = local;
    s.any_family = any;
    s.port = port;
    // Room for the configured number of datagrams or bytes of payload, whichever ends first.
    s.queue = std::make_unique<DatagramQueue>(impl_->config.udp_queue_datagrams,
                                              impl_->config.udp_queue_bytes);
    return static_cast<UdpSocketId>(slot);
}

void StackCore::udp_close(UdpSocketId id) {
    if (id < impl_->udp_sockets.size()) {
        impl_->udp_sockets[id].open = false;
        impl_->udp_sockets[id].queue.reset();
    }
}

Result<void> StackCore::udp_send_to(UdpSocketId id, const IpAddress& dst, std::uint16_t dst_port,
                                    std::span<const std::byte> payload, Instant now) {
    if (id >= impl_->udp_sockets.size() || !impl_->udp_sockets[id].open)
        return fail(EBADF);
    const UdpSocket& s = impl_->udp_sockets[id];
    const std::size_t max = dst.is_v4() ? 65535 - 20 - 8 : 65535 - 8;
    if (payload.size() > max)
        return fail(EMSGSIZE);
    IpSendParams p;
    if (!s.any_family && s.local.is_v4() == dst.is_v4())
        p.src = s.local;
    p.dst = dst;
    p.protocol = wire::ipproto::kUdp;
    // The checksum's pseudo-header needs the source address, which routing decides.
    Impl& im = *impl_;
    const bool unspecified_src =
        p.src.is_v4() ? p.src.v4().is_unspecified() : p.src.v6().is_unspecified();
    if (unspecified_src || p.src.is_v4() != dst.is_v4()) {
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

} // namespace multios::net
