// Tagging of stack sockets inside a kernel epoll set. The shim registers a stack fd's eventfd
// in the application's epoll set under a data value of its own (a magic word in the upper half,
// the fd in the lower half) and keeps the application's epoll_data in EpollRegistry; on return
// it recognises its own tags and puts the application's data back.
#pragma once

#include <cstdint>
#include <optional>

namespace multios::net::preload {

/// "MNET": x86-64 user-space pointers never have these upper bits (non-canonical addresses), and
/// small integers never do, so an application's own epoll_data is practically never mistaken
/// for a tag; EpollRegistry lookups on return make a collision harmless in any case.
inline constexpr std::uint32_t kEpollTagMagic = 0x4d4e4554;

/// The data value under which stack fd `fd` (>= 0) is registered in a kernel epoll set.
std::uint64_t epoll_tag(int fd);

/// The fd of a shim tag, or nothing when `data` is not one (an application's own value).
std::optional<int> epoll_untag(std::uint64_t data);

} // namespace multios::net::preload
