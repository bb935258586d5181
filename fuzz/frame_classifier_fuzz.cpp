// Fuzz target: software steering of received frames (lib/steer/frame_classifier, issue 4;
// HARDENING rows 4, 9, 10, 21: extension chains, length fields, ICMP quotes, VLAN depth).
// Input: one set-up byte, then a raw Ethernet frame. Set-up bits 0-1: lcore count - 1 (1..4);
// bit 2: a scrambled indirection table instead of the round-robin one.
// Checks: the lcore is in range (and 0 unless the route is Owner); the decision is a pure
// function of the bytes; adding a VLAN tag to an untagged frame or link padding to a frame that
// was steered (not Local) does not change the decision. ASan/UBSan catch reads past the frame.
#include <array>
#include <optional>
#include <vector>

#include <multios/net/wire/ethernet.hpp>

#include "fuzz_util.hpp"
#include "steer/flow_steering.hpp"
#include "steer/frame_classifier.hpp"

using namespace multios::net;

namespace {

/// Steerings are built once per configuration: their Toeplitz tables take a while to fill.
const steer::FlowSteering& steering_for(std::uint8_t setup) {
    static std::array<std::optional<steer::FlowSteering>, 8> cache;
    const std::size_t index = setup & 7u;
    if (!cache[index]) {
        const auto lcores = static_cast<std::uint16_t>((index & 3u) + 1);
        cache[index] = steer::FlowSteering::create(lcores);
        MULTIOS_FUZZ_CHECK(cache[index].has_value());
        if ((index & 4u) != 0) {
            std::vector<std::uint16_t> reta(cache[index]->reta().size());
            for (std::size_t i = 0; i < reta.size(); ++i)
                reta[i] = static_cast<std::uint16_t>((i * 37 + i / 5) % lcores);
            MULTIOS_FUZZ_CHECK(cache[index]->set_reta(reta));
        }
    }
    return *cache[index];
}

bool is_vlan_tpid(std::uint16_t ethertype) {
    return ethertype == wire::ethertype::kVlan || ethertype == wire::ethertype::kQinQ;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    const steer::FlowSteering& s = steering_for(data[0]);
    const auto frame = fuzz::copy(data + 1, size - 1);
    const steer::FrameDecision d = steer::classify_frame(s, frame);
    MULTIOS_FUZZ_CHECK(d.lcore < s.lcore_count());
    MULTIOS_FUZZ_CHECK(d.route == steer::FrameRoute::Owner || d.lcore == 0);
    MULTIOS_FUZZ_CHECK(steer::classify_frame(s, frame) == d);

    // An 802.1Q tag in front of an untagged frame's ethertype changes nothing.
    if (frame.size() >= wire::kEthernetHeaderLen &&
        !is_vlan_tpid(wire::load_be16(frame.data() + 12))) {
        std::vector<std::byte> tagged(frame.begin(), frame.begin() + 12);
        const std::array<std::byte, 4> tag = {std::byte{0x81}, std::byte{0x00}, std::byte{0x00},
                                              std::byte{0x07}};
        tagged.insert(tagged.end(), tag.begin(), tag.end());
        tagged.insert(tagged.end(), frame.begin() + 12, frame.end());
        MULTIOS_FUZZ_CHECK(steer::classify_frame(s, tagged) == d);
    }
    // Link padding after a complete datagram (or ARP body) is ignored.
    if (d.route != steer::FrameRoute::Local) {
        std::vector<std::byte> padded = frame;
        padded.resize(frame.size() + 18, std::byte{0xa5});
        MULTIOS_FUZZ_CHECK(steer::classify_frame(s, padded) == d);
    }
    return 0;
}
