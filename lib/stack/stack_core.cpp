// StackCore: construction, interfaces and addresses, timers, and the public entry points that
// forward to the layer implementations in the sibling files.
#include "stack/stack_core.hpp"

#include <algorithm>

#include "stack/stack_impl.hpp"

namespace multios::net {

namespace {

/// Largest IP datagram plus room for headers: what scratch buffers must hold.
constexpr std::size_t kScratchBytes = 65535 + 64;

/// Separates the connection table's hash key from the other users of the seed.
constexpr std::uint64_t kTcpTableDomain = 0x5443'5054'4142'4c45ull; // "TCPTABLE"

ReassemblyConfig reassembly_config(const StackConfig& c) {
    ReassemblyConfig r;
    r.cap_buffers = c.reassembly_buffer_cap;
    r.timeout_v4 = c.reassembly_timeout_v4;
    r.timeout_v6 = c.reassembly_timeout_v6;
    return r;
}

} // namespace

StackCore::Impl::Impl(StackConfig c, FrameSink& s)
    : config(c), sink(s), reassembler(reassembly_config(c), drops), frag_ids(c.seed),
      icmp_limiter(c.icmp_rate_per_second, c.icmp_burst), scratch(kScratchBytes),
      packet_scratch(kScratchBytes), tcp_wheel(std::chrono::milliseconds(1), Instant{}),
      tcp_table(c.tcp.max_connections, SipKey::from_seed(c.seed, kTcpTableDomain)), tcp_isn(c.seed),
      tcp_ports(c.seed), tcp_cookies(c.seed) {}

StackCore::StackCore(StackConfig config, FrameSink& sink)
    : impl_(std::make_unique<Impl>(config, sink)) {}

StackCore::~StackCore() = default;

Result<IfIndex> StackCore::add_interface(const InterfaceConfig& cfg, Instant now) {
    Impl& im = *impl_;
    if (im.interfaces.size() >= 64)
        return fail(ENOSPC);
    if (cfg.mtu < 68)
        return fail(EINVAL);
    const auto index = static_cast<IfIndex>(im.interfaces.size());
    Interface& iface = im.interfaces.emplace_back();
    iface.info.index = index;
    iface.info.name = cfg.name;
    iface.info.mac = cfg.mac;
    iface.info.mtu = cfg.mtu;
    iface.arp = std::make_unique<ArpCache>(iface.info, im.sink, im.drops);
    NdpConfig ndp_cfg;
    ndp_cfg.link_local = cfg.ipv6_link_local;
    // A router neither solicits nor follows Router Advertisements (Linux: accept_ra is off
    // while forwarding), and says it is one in its advertisements.
    ndp_cfg.accept_ra = cfg.slaac && !im.config.forwarding;
    ndp_cfg.is_router = im.config.forwarding;
    ndp_cfg.speaker = im.config.speaker;
    iface.ndp = std::make_unique<Ndp>(iface.info, im.sink, im.drops, ndp_cfg,
                                      im.config.seed ^ (0x9e3779b97f4a7c15ULL * (index + 1)));
    iface.mld = std::make_unique<MldListener>(
        iface.info, im.sink, im.drops, im.config.seed ^ (0xc2b2ae3d27d4eb4fULL * (index + 1)),
        im.config.speaker);
    iface.ndp->start(now);
    for (const auto& a : cfg.addresses)
        if (auto r = add_address(index, a, now); !r)
            return fail(r.error());
    return index;
}

Result<void> StackCore::add_address(IfIndex i, const IpPrefix& p, Instant now) {
    Impl& im = *impl_;
    if (i >= im.interfaces.size())
        return fail(ENODEV);
    Interface& iface = im.interfaces[i];
    // The connected route covers the whole prefix (RFC 1122 3.3.1.1 "on-link").
    IpPrefix net = p;
    Route route;
    route.ifindex = i;
    route.source = RouteSource::Connected;
    if (p.address.is_v4()) {
        if (p.length > 32)
            return fail(EINVAL);
        if (iface.info.has_v4(p.address.v4()))
            return fail(EEXIST);
        iface.info.v4.push_back({p.address.v4(), p.length});
        route.destination = net;
        (void)im.routes.add(route); // EEXIST when another address shares the prefix: fine.
        // RFC 5227 3: announce the new address, once per link (the speaker shard only).
        if (im.config.speaker)
            iface.arp->announce(p.address.v4(), now);
        return {};
    }
    if (p.length > 128)
        return fail(EINVAL);
    if (iface.info.find_v6(p.address.v6()))
        return fail(EEXIST);
    iface.ndp->add_address(p.address.v6(), p.length, now);
    route.destination = net;
    (void)im.routes.add(route);
    return {};
}

Result<void> StackCore::set_gateway(const IpAddress& gw) {
    Impl& im = *impl_;
    if (im.interfaces.empty())
        return fail(ENODEV);
    IfIndex out = 0;
    if (const Route* r = im.routes.lookup(gw))
        out = r->ifindex;
    Route route;
    route.destination =
        IpPrefix{gw.is_v4() ? IpAddress{Ipv4Address{}} : IpAddress{Ipv6Address{}}, 0};
    route.gateway = gw;
    route.ifindex = out;
    route.source = RouteSource::Static;
    im.routes.remove(route.destination, out);
    return im.routes.add(route);
}

Result<void> StackCore::add_route(const IpPrefix& destination, const IpAddress& gateway,
                                  std::uint32_t metric) {
    Impl& im = *impl_;
    if (destination.address.is_v4() != gateway.is_v4())
        return fail(EINVAL);
    // The gateway must be on-link: reached through a connected route, not another gateway.
    const Route* via = im.routes.lookup(gateway);
    if (!via || via->source != RouteSource::Connected)
        return fail(ENETUNREACH);
    Route route;
    route.destination = destination;
    route.gateway = gateway;
    route.ifindex = via->ifindex;
    route.metric = metric;
    route.source = RouteSource::Static;
    return im.routes.add(route);
}

bool StackCore::remove_route(const IpPrefix& destination) {
    Impl& im = *impl_;
    bool removed = false;
    const IpPrefix wanted = canonical_prefix(destination);
    for (const Route& r : im.routes.routes())
        if (r.source == RouteSource::Static && r.destination == wanted)
            removed = im.routes.remove(r.destination, r.ifindex) || removed;
    return removed;
}

const InterfaceInfo& StackCore::interface(IfIndex i) const {
    return impl_->interfaces.at(i).info;
}
std::size_t StackCore::interface_count() const {
    return impl_->interfaces.size();
}

void StackCore::receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now) {
    impl_->receive(ifindex, frame, now);
}

void StackCore::receive_replica(IfIndex ifindex, std::span<const std::byte> frame, Instant now) {
    impl_->receive_replica(ifindex, frame, now);
}

void StackCore::poll(Instant now) {
    Impl& im = *impl_;
    for (auto& i : im.interfaces) {
        i.arp->poll(now);
        i.ndp->poll(now);
        i.mld->poll(now);
    }
    im.reassembler.poll(now, [&](const ExpiredDatagram& d) {
        im.on_reassembly_timeout(d.key.is_v6(), d.leading_header, now);
    });
    im.tcp_poll(now);
}

Instant StackCore::next_deadline() const {
    const Impl& im = *impl_;
    Instant t = std::min(im.reassembler.next_deadline(), im.tcp_wheel.next_deadline());
    for (const auto& i : im.interfaces)
        t = std::min({t, i.arp->next_deadline(), i.ndp->next_deadline(), i.mld->next_deadline()});
    return t;
}

void StackCore::Impl::on_reassembly_timeout(bool v6, std::span<const std::byte> leading,
                                            Instant now) {
    // RFC 792 / RFC 8200 4.5: Time Exceeded (fragment reassembly) only when the first
    // fragment arrived, quoting it.
    if (leading.empty())
        return;
    IpMeta meta;
    meta.quote = leading;
    if (!v6) {
        if (leading.size() < wire::kIpv4MinHeaderLen)
            return;
        Ipv4Address src, dst;
        std::memcpy(src.bytes.data(), leading.data() + 12, 4);
        std::memcpy(dst.bytes.data(), leading.data() + 16, 4);
        meta.src = src;
        meta.dst = dst;
        meta.protocol = wire::load8(leading.data() + 9);
        // RFC 1122 3.2.2: no error about a datagram sent to a broadcast/multicast address;
        // as on input, anything that is not one of our unicast addresses counts as a group.
        meta.dst_is_multicast_or_broadcast =
            dst.is_broadcast() || dst.is_multicast() ||
            std::none_of(interfaces.begin(), interfaces.end(),
                         [&](const Interface& i) { return i.info.has_v4(dst); });
        icmp_error(meta, wire::icmpv4::kTimeExceeded, wire::icmpv4::kReassemblyTimeExceeded, 0,
                   now);
        return;
    }
    if (leading.size() < wire::kIpv6HeaderLen)
        return;
    Ipv6Address src, dst;
    std::memcpy(src.bytes.data(), leading.data() + 8, 16);
    std::memcpy(dst.bytes.data(), leading.data() + 24, 16);
    meta.src = src;
    meta.dst = dst;
    // RFC 4443 2.4(e.3): no error about a packet sent to a multicast address (the reply's
    // source would be that multicast address).
    meta.dst_is_multicast_or_broadcast = dst.is_multicast();
    icmp_error(meta, wire::icmpv6::kTimeExceeded, wire::icmpv6::kReassemblyTimeExceeded, 0, now);
}

const DropCounters& StackCore::drops() const {
    return impl_->drops;
}
const StackCounters& StackCore::counters() const {
    return impl_->counters;
}
std::size_t StackCore::reassembly_buffers_in_use() const {
    return impl_->reassembler.buffers_in_use();
}
std::size_t StackCore::reassembly_buffer_cap() const {
    return impl_->reassembler.cap_buffers();
}

} // namespace multios::net
