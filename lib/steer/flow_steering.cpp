#include "steer/flow_steering.hpp"

namespace multios::net::steer {
namespace {

bool is_power_of_two(std::size_t n) {
    return n != 0 && (n & (n - 1)) == 0;
}

} // namespace

FlowSteering::FlowSteering(std::uint16_t lcore_count, std::size_t reta_size, const RssKey& key)
    : table_(key), reta_size_(reta_size), lcore_count_(lcore_count) {
    for (std::size_t i = 0; i < reta_size_; ++i)
        reta_[i] = static_cast<std::uint16_t>(i % lcore_count_);
}

std::optional<FlowSteering> FlowSteering::create(std::uint16_t lcore_count, std::size_t reta_size,
                                                 const RssKey& key) {
    if (lcore_count == 0 || lcore_count > kMaxLcores)
        return std::nullopt;
    if (!is_power_of_two(reta_size) || reta_size > kMaxRetaSize || reta_size < lcore_count)
        return std::nullopt;
    return FlowSteering(lcore_count, reta_size, key);
}

bool FlowSteering::set_reta(std::span<const std::uint16_t> entries) {
    if (entries.size() != reta_size_)
        return false;
    for (const std::uint16_t e : entries)
        if (e >= lcore_count_)
            return false;
    for (std::size_t i = 0; i < reta_size_; ++i)
        reta_[i] = entries[i];
    return true;
}

LandsOnLcore::LandsOnLcore(const FlowSteering& steering, std::uint16_t lcore,
                           const FourTuple& tuple)
    : steering_(&steering), base_(0), port_offset_(0), lcore_(lcore) {
    FourTuple without_port = tuple;
    without_port.local_port = 0; // a zero byte contributes nothing: table[p][0] == 0
    const RssInput in = rss_input_received(without_port);
    base_ = steering.table().hash(in.view());
    port_offset_ = in.size == 12 ? kRssDstPortOffsetV4 : kRssDstPortOffsetV6;
}

} // namespace multios::net::steer
