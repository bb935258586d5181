#include "api/datagram_record.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace multios::net::api {

namespace {

// Header layout (host order; it never leaves the process): length u32, port u16, family u8,
// pad u8, address 16 bytes.
std::array<std::byte, kRecordHeader> encode(const SocketAddress& peer, std::size_t length) {
    std::array<std::byte, kRecordHeader> h{};
    const auto len = static_cast<std::uint32_t>(length);
    std::memcpy(h.data(), &len, 4);
    std::memcpy(h.data() + 4, &peer.port, 2);
    h[6] = std::byte{peer.address.is_v4() ? std::uint8_t{4} : std::uint8_t{6}};
    if (peer.address.is_v4())
        std::memcpy(h.data() + 8, peer.address.v4().bytes.data(), 4);
    else
        std::memcpy(h.data() + 8, peer.address.v6().bytes.data(), 16);
    return h;
}

} // namespace

bool write_record(ByteRing& ring, const SocketAddress& peer, std::span<const std::byte> payload) {
    if (ring.writable() < kRecordHeader + payload.size())
        return false;
    const auto h = encode(peer, payload.size());
    // Header and payload go in with one commit so the reader sees the record whole.
    auto spans = ring.write_spans();
    std::size_t done = 0;
    auto put = [&](std::span<const std::byte> src) {
        for (std::size_t i = 0; i < src.size();) {
            auto& dst = done < spans[0].size() ? spans[0] : spans[1];
            const std::size_t at = done < spans[0].size() ? done : done - spans[0].size();
            const std::size_t n = std::min(src.size() - i, dst.size() - at);
            std::memcpy(dst.data() + at, src.data() + i, n);
            i += n;
            done += n;
        }
    };
    put(h);
    put(payload);
    ring.commit(done);
    return true;
}

std::optional<RecordInfo> peek_record(const ByteRing& ring) {
    if (ring.readable() < kRecordHeader)
        return std::nullopt;
    std::array<std::byte, kRecordHeader> h{};
    ring.peek(0, h);
    RecordInfo info;
    std::uint32_t len = 0;
    std::memcpy(&len, h.data(), 4);
    info.length = len;
    std::memcpy(&info.peer.port, h.data() + 4, 2);
    if (h[6] == std::byte{4}) {
        Ipv4Address a;
        std::memcpy(a.bytes.data(), h.data() + 8, 4);
        info.peer.address = a;
    } else {
        Ipv6Address a;
        std::memcpy(a.bytes.data(), h.data() + 8, 16);
        info.peer.address = a;
    }
    return info;
}

std::size_t read_record(ByteRing& ring, const RecordInfo& info, std::span<std::byte> out) {
    const std::size_t n = std::min(out.size(), info.length);
    ring.peek(kRecordHeader, out.first(n));
    ring.consume(kRecordHeader + info.length);
    return n;
}

} // namespace multios::net::api
