#include "epoll_tag.hpp"

namespace multios::net::preload {

std::uint64_t epoll_tag(int fd) {
    return (std::uint64_t{kEpollTagMagic} << 32) | static_cast<std::uint32_t>(fd);
}

std::optional<int> epoll_untag(std::uint64_t data) {
    if (static_cast<std::uint32_t>(data >> 32) != kEpollTagMagic) {
        return std::nullopt;
    }
    const auto low = static_cast<std::uint32_t>(data);
    // fds are non-negative ints: a low half above INT_MAX was never produced by epoll_tag.
    if (low > 0x7fffffffU) {
        return std::nullopt;
    }
    return static_cast<int>(low);
}

} // namespace multios::net::preload
