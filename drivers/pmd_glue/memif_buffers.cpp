#include "pmd_glue/memif_buffers.hpp"

#include <string_view>

namespace multios::net::glue {

namespace {

constexpr std::uint32_t kMemifDefaultBuffer = 2048;
constexpr std::uint32_t kFrameOverhead = 14 + 4; // Ethernet header + room for a VLAN tag

bool has_argument(std::string_view args, std::string_view key) {
    for (std::size_t at = 0; at != std::string_view::npos;) {
        const std::size_t end = args.find(',', at);
        const std::string_view arg =
            args.substr(at, end == std::string_view::npos ? end : end - at);
        if (arg.substr(0, arg.find('=')) == key)
            return true;
        at = end == std::string_view::npos ? end : end + 1;
    }
    return false;
}

} // namespace

std::string memif_vdev_for_mtu(const std::string& vdev, std::uint16_t mtu) {
    const std::string_view spec(vdev);
    if (spec.substr(0, 9) != "net_memif")
        return vdev;
    const std::size_t comma = spec.find(',');
    if (comma != std::string_view::npos && has_argument(spec.substr(comma + 1), "bsize"))
        return vdev;
    const std::uint32_t frame = std::uint32_t{mtu} + kFrameOverhead;
    if (frame <= kMemifDefaultBuffer)
        return vdev;
    std::uint32_t size = kMemifDefaultBuffer;
    while (size < frame)
        size *= 2;
    return vdev + ",bsize=" + std::to_string(size);
}

} // namespace multios::net::glue
