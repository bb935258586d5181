#include "neighbor/link_frame.hpp"

#include <algorithm>
#include <cstring>

#include <multios/net/wire/ethernet.hpp>

namespace multios::net {

bool send_ethernet_frame(FrameSink& sink, DropCounters& drops, IfIndex ifindex,
                         const MacAddress& dst, const MacAddress& src, std::uint16_t ethertype,
                         std::span<const std::byte> payload) {
    const std::size_t len = std::max(wire::kEthernetHeaderLen + payload.size(), kMinEthernetFrame);
    std::span<std::byte> buf = sink.begin_frame(ifindex, len);
    if (buf.size() < len) {
        if (!buf.empty())
            sink.abort_frame();
        drops.add(DropReason::TxNoBuffer);
        return false;
    }
    wire::emit_ethernet(buf, dst, src, ethertype);
    std::byte* body = buf.data() + wire::kEthernetHeaderLen;
    if (!payload.empty())
        std::memcpy(body, payload.data(), payload.size());
    std::fill(body + payload.size(), buf.data() + len, std::byte{0});
    sink.commit_frame(len);
    return true;
}

} // namespace multios::net
