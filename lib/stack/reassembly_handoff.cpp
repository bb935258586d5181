// Multi-core: a reassembled datagram goes to the lcore that owns its flow. Fragments are
// steered by their addresses (steer::classify_frame, like NIC RSS), the reassembled TCP/UDP
// datagram or echo reply by its ports or identifier: when the two owners differ the datagram is
// rebuilt as one unfragmented frame and handed over, so that every flow is processed by exactly
// one lcore (and a ping client sees its fragmented replies).
#include <algorithm>
#include <cstring>

#include <multios/net/wire/bytes.hpp>

#include "stack/stack_impl.hpp"
#include "steer/frame_classifier.hpp"

namespace multios::net {

namespace {
constexpr std::size_t kEthernetHeader = 14;
} // namespace

void StackCore::set_datagram_handoff(DatagramHandoff* handoff) {
    impl_->handoff = handoff;
    impl_->handoff_frame.assign(handoff ? kEthernetHeader + 0x10000 + 60 : 0, std::byte{0});
}

bool StackCore::Impl::hand_off_if_foreign(const Interface& iface, std::uint16_t ethertype,
                                          std::span<const std::byte> header,
                                          std::span<const std::byte> body) {
    if (handoff == nullptr || config.steering == nullptr || config.steering->lcore_count() < 2)
        return false;
    const std::size_t len = kEthernetHeader + header.size() + body.size();
    if (len > handoff_frame.size())
        return false;
    std::byte* f = handoff_frame.data();
    // Addressed to us as it arrived; the source MAC is not read past the Ethernet layer.
    std::memcpy(f, iface.info.mac.bytes.data(), 6);
    std::memset(f + 6, 0, 6);
    wire::store_be16(f + 12, ethertype);
    std::memcpy(f + kEthernetHeader, header.data(), header.size());
    std::memcpy(f + kEthernetHeader + header.size(), body.data(), body.size());
    const std::span<const std::byte> frame{f, len};
    const steer::FrameDecision d = steer::classify_frame(*config.steering, frame);
    if (d.route != steer::FrameRoute::Owner || d.lcore == config.lcore)
        return false;
    if (!handoff->hand_off(d.lcore, iface.info.index, frame)) {
        drops.add(DropReason::HandoffFailed);
        return true;
    }
    ++counters.reassembled_handed_off;
    return true;
}

} // namespace multios::net
