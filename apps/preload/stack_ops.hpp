// The few client-library calls the shim's waiting logic needs, as plain function pointers so
// that the logic (wait_loop, epoll_translate) is unit-tested with fakes and no daemon.
#pragma once

#include <cstdint>

namespace multios::net::preload {

struct StackOps {
    int (*is_stack)(int fd);            ///< mnet_is_socket
    int (*readiness)(int fd);           ///< mnet_readiness: POLL* bits, -1 when not a stack fd
    int (*wait_change)(int timeout_ms); ///< mnet_wait_change
    std::int64_t (*now_ns)();           ///< a monotonic clock
};

} // namespace multios::net::preload
