#include "steer/rss_input.hpp"

#include <multios/net/wire/bytes.hpp>

namespace multios::net::steer {
namespace {

template <std::size_t N>
void put(RssInput& in, const std::array<std::uint8_t, N>& address) {
    for (std::size_t i = 0; i < N; ++i)
        wire::store8(in.bytes.data() + in.size + i, address[i]);
    in.size += N;
}

void put_port(RssInput& in, std::uint16_t port) {
    wire::store_be16(in.bytes.data() + in.size, port);
    in.size += 2;
}

/// RFC 4291 2.5.5.2: ::ffff:a.b.c.d.
Ipv6Address as_v6(const IpAddress& a) {
    if (a.is_v6())
        return a.v6();
    Ipv6Address m;
    m.bytes[10] = 0xff;
    m.bytes[11] = 0xff;
    for (std::size_t i = 0; i < 4; ++i)
        m.bytes[12 + i] = a.v4().bytes[i];
    return m;
}

} // namespace

RssInput rss_input_v4(const Ipv4Address& src, const Ipv4Address& dst) {
    RssInput in;
    put(in, src.bytes);
    put(in, dst.bytes);
    return in;
}

RssInput rss_input_v4(const Ipv4Address& src, const Ipv4Address& dst, std::uint16_t src_port,
                      std::uint16_t dst_port) {
    RssInput in = rss_input_v4(src, dst);
    put_port(in, src_port);
    put_port(in, dst_port);
    return in;
}

RssInput rss_input_v6(const Ipv6Address& src, const Ipv6Address& dst) {
    RssInput in;
    put(in, src.bytes);
    put(in, dst.bytes);
    return in;
}

RssInput rss_input_v6(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t src_port,
                      std::uint16_t dst_port) {
    RssInput in = rss_input_v6(src, dst);
    put_port(in, src_port);
    put_port(in, dst_port);
    return in;
}

RssInput rss_input_received(const FourTuple& t) {
    if (t.remote.is_v4() && t.local.is_v4())
        return rss_input_v4(t.remote.v4(), t.local.v4(), t.remote_port, t.local_port);
    return rss_input_v6(as_v6(t.remote), as_v6(t.local), t.remote_port, t.local_port);
}

} // namespace multios::net::steer
