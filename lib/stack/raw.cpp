// Raw IP sockets with Linux raw(7) semantics: every incoming datagram of a socket's protocol
// and family is copied to it (IPv4 with its header, IPv6 without) while the stack still
// processes it; sends build the IP header, or take it from the user with IP_HDRINCL.
#include <cstring>
#include <tuple>

#include <multios/net/wire/checksum.hpp>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

/// RFC 4443 2.3: the ICMPv6 checksum field.
constexpr std::size_t kIcmpv6ChecksumAt = 2;

/// Queues one copy on `s` (counted drop when full) and lists the socket as readable when its
/// queue was empty.
void raw_push(DropCounters& drops, std::vector<RawSocket>& socks, RawSocketId id,
              std::vector<RawSocketId>& ready, const DatagramMeta& meta,
              std::span<const std::byte> head, std::span<const std::byte> body) {
    RawSocket& s = socks[id];
    if (!s.queue->push(meta, head, body)) {
        drops.add(DropReason::RawQueueFull);
        return;
    }
    if (s.queue->size() == 1 && !s.in_ready) {
        s.in_ready = true;
        ready.push_back(id);
    }
}

/// IP_HDRINCL: a header the stack can send (raw(7): Linux checks the version and that the
/// header fits; RFC 791 3.1: IHL of at least 5 words).
bool valid_user_header(std::span<const std::byte> data) {
    if (data.size() < wire::kIpv4MinHeaderLen || data.size() > wire::kIpv4MaxDatagram)
        return false;
    const auto b0 = std::to_integer<std::uint8_t>(data[0]);
    const std::size_t ihl = (b0 & 0x0fu) * 4u;
    return (b0 >> 4) == 4 && ihl >= wire::kIpv4MinHeaderLen && ihl <= data.size();
}

Ipv4Address load_v4(const std::byte* p) {
    Ipv4Address a;
    for (std::size_t i = 0; i < 4; ++i)
        a.bytes[i] = std::to_integer<std::uint8_t>(p[i]);
    return a;
}

void store_v4(std::byte* p, const Ipv4Address& a) {
    for (std::size_t i = 0; i < 4; ++i)
        p[i] = static_cast<std::byte>(a.bytes[i]);
}

} // namespace

bool StackCore::Impl::raw_input_v4(const IpMeta& meta, std::span<const std::byte> header,
                                   std::span<const std::byte> body) {
    bool taken = false;
    for (std::size_t i = 0; i < raw_sockets.size(); ++i) {
        const RawSocket& s = raw_sockets[i];
        if (!s.open || s.v6 || s.protocol != meta.protocol)
            continue;
        taken = true;
        raw_push(drops, raw_sockets, static_cast<RawSocketId>(i), raw_ready,
                 {meta.src, 0, meta.dst, 0, meta.ttl}, header, body);
    }
    return taken;
}

bool StackCore::Impl::raw_input_v6(const IpMeta& meta, std::uint8_t next_header,
                                   std::span<const std::byte> data) {
    bool taken = false;
    for (std::size_t i = 0; i < raw_sockets.size(); ++i) {
        const RawSocket& s = raw_sockets[i];
        if (!s.open || !s.v6 || s.protocol != next_header)
            continue;
        taken = true;
        raw_push(drops, raw_sockets, static_cast<RawSocketId>(i), raw_ready,
                 {meta.src, 0, meta.dst, 0, meta.ttl}, {}, data);
    }
    return taken;
}

Result<RawSocketId> StackCore::raw_open(bool v6, std::uint8_t protocol) {
    // 0 (IPv6 hop-by-hop / "IP") and 255 (IPPROTO_RAW, send-only in Linux) receive nothing.
    if (protocol == 0 || protocol == 255)
        return fail(EPROTONOSUPPORT);
    Impl& im = *impl_;
    auto& socks = im.raw_sockets;
    std::size_t slot = 0;
    while (slot < socks.size() && socks[slot].open)
        ++slot;
    if (slot == socks.size())
        socks.emplace_back();
    RawSocket s;
    s.open = true;
    s.v6 = v6;
    s.protocol = protocol;
    s.queue =
        std::make_unique<DatagramQueue>(im.config.udp_queue_datagrams, im.config.udp_queue_bytes);
    socks[slot] = std::move(s);
    return static_cast<RawSocketId>(slot);
}

void StackCore::raw_close(RawSocketId id) {
    Impl& im = *impl_;
    if (id >= im.raw_sockets.size())
        return;
    RawSocket& s = im.raw_sockets[id];
    if (s.in_ready)
        std::erase(im.raw_ready, id);
    s = RawSocket{};
}

Result<void> StackCore::raw_set_header_included(RawSocketId id, bool on) {
    if (id >= impl_->raw_sockets.size() || !impl_->raw_sockets[id].open)
        return fail(EBADF);
    RawSocket& s = impl_->raw_sockets[id];
    if (s.v6) // raw(7): IP_HDRINCL is an IPv4 option.
        return fail(EINVAL);
    s.header_included = on;
    return {};
}

Result<void> StackCore::raw_set_hop_limit(RawSocketId id, std::uint8_t hop_limit) {
    if (id >= impl_->raw_sockets.size() || !impl_->raw_sockets[id].open)
        return fail(EBADF);
    if (hop_limit == 0)
        return fail(EINVAL);
    impl_->raw_sockets[id].hop_limit = hop_limit;
    return {};
}

Result<void> StackCore::raw_send_to(RawSocketId id, const IpAddress& dst,
                                    std::span<const std::byte> data, Instant now) {
    if (id >= impl_->raw_sockets.size() || !impl_->raw_sockets[id].open)
        return fail(EBADF);
    Impl& im = *impl_;
    const RawSocket& s = im.raw_sockets[id];
    if (s.v6 == dst.is_v4())
        return fail(EAFNOSUPPORT);
    if (!s.v6 && s.header_included)
        return im.raw_send_header_included(dst, data, now);
    const std::size_t max = s.v6 ? 65535 : wire::kIpv4MaxDatagram - wire::kIpv4MinHeaderLen;
    if (data.size() > max)
        return fail(EMSGSIZE);
    IpSendParams p;
    p.dst = dst;
    p.protocol = s.protocol;
    p.ttl = s.hop_limit;
    const bool icmpv6 = s.v6 && s.protocol == wire::ipproto::kIcmpv6;
    if (icmpv6) {
        // RFC 4443 2.3 / raw(7): the stack always computes the ICMPv6 checksum, whose
        // pseudo-header needs the source address that routing decides.
        if (data.size() < kIcmpv6ChecksumAt + 2)
            return fail(EINVAL);
        auto chosen = im.path_and_source(dst, now);
        if (!chosen)
            return fail(EADDRNOTAVAIL);
        std::tie(p.path, p.src) = *chosen;
    }
    return im.ip_output(
        p, data.size(),
        [&](std::span<std::byte> out) {
            std::memcpy(out.data(), data.data(), data.size());
            if (!icmpv6)
                return;
            wire::store_be16(out.data() + kIcmpv6ChecksumAt, 0);
            auto sum = wire::pseudo_header_v6(p.src.v6(), dst.v6(), wire::ipproto::kIcmpv6,
                                              static_cast<std::uint32_t>(data.size()));
            sum.add(out.first(data.size()));
            wire::store_be16(out.data() + kIcmpv6ChecksumAt, sum.finish());
        },
        now);
}

Result<void> StackCore::Impl::raw_send_header_included(const IpAddress& dst,
                                                       std::span<const std::byte> data,
                                                       Instant now) {
    if (!valid_user_header(data))
        return fail(EINVAL);
    const auto path = choose_path(dst, std::nullopt, now);
    if (!path) {
        drops.add(DropReason::Ipv4NoRoute);
        return fail(EHOSTUNREACH);
    }
    // raw(7): a header-included packet is never fragmented.
    if (data.size() > pmtu.lookup(dst, path->iface->info.mtu, now))
        return fail(EMSGSIZE);
    const std::size_t ihl = (std::to_integer<std::uint8_t>(data[0]) & 0x0fu) * 4u;
    const auto protocol = std::to_integer<std::uint8_t>(data[9]);
    const Ipv4Address hdst = load_v4(data.data() + 16);
    Ipv4Address src = load_v4(data.data() + 12);
    if (src.is_unspecified()) {
        const Ipv4Assignment* a = path->iface->info.source_v4_for(hdst);
        if (!a)
            return fail(EADDRNOTAVAIL);
        src = a->address;
    }
    const std::uint16_t id = wire::load_be16(data.data() + 4) != 0
                                 ? wire::load_be16(data.data() + 4)
                                 : frag_ids.next_v4(src, hdst, protocol);
    ++counters.ipv4_tx;
    // raw(7): Linux always fills the checksum and total length, and the ID and source
    // address when they are zero.
    const bool sent = link_output(
        *path->iface, path->next_hop, data.size(),
        [&](std::span<std::byte> pkt) {
            std::memcpy(pkt.data(), data.data(), data.size());
            wire::store_be16(pkt.data() + 2, static_cast<std::uint16_t>(data.size()));
            wire::store_be16(pkt.data() + 4, id);
            store_v4(pkt.data() + 12, src);
            wire::store_be16(pkt.data() + 10, 0);
            wire::store_be16(pkt.data() + 10, wire::internet_checksum(pkt.first(ihl)));
        },
        now);
    return sent ? Result<void>{} : fail(ENOBUFS);
}

std::size_t StackCore::raw_drain(RawSocketId id, FunctionRef<void(const RawDatagramView&)> fn) {
    if (id >= impl_->raw_sockets.size() || !impl_->raw_sockets[id].open)
        return 0;
    DatagramQueue& q = *impl_->raw_sockets[id].queue;
    std::size_t n = 0;
    while (!q.empty()) {
        const DatagramMeta& m = q.front_meta();
        fn(RawDatagramView{m.src, m.dst, m.hop_limit, q.front_payload()});
        q.pop();
        ++n;
    }
    return n;
}

void StackCore::raw_take_readable(FunctionRef<void(RawSocketId)> fn) {
    Impl& im = *impl_;
    // As udp_take_readable: `fn` may close sockets listed further on.
    for (std::size_t i = 0; i < im.raw_ready.size(); ++i) {
        const RawSocketId id = im.raw_ready[i];
        RawSocket& s = im.raw_sockets[id];
        if (!s.open || !s.in_ready)
            continue;
        s.in_ready = false;
        fn(id);
    }
    im.raw_ready.clear();
}

} // namespace multios::net
