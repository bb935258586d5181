// A fake set of stack sockets for the shim's pure parts: which fds are stack sockets, their
// readiness words, a clock and a wait_change that advances it. Plain globals behind function
// pointers (StackOps/EpollOps take C function pointers, as the real client calls are).
#pragma once

#include "epoll_translate.hpp"
#include "stack_ops.hpp"

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace multios::net::preload_test {

struct FakeStack {
    std::map<int, int> readiness; // stack fd -> POLL* bits
    std::int64_t now_ns = 0;
    int wait_calls = 0;
    std::vector<std::pair<int, int>> rearmed; // (epfd, fd)
};

inline FakeStack& fake() {
    static FakeStack state;
    return state;
}

inline void reset_fake() {
    fake() = FakeStack{};
}

inline int fake_is_stack(int fd) {
    return fake().readiness.count(fd) != 0 ? 1 : 0;
}

inline int fake_readiness(int fd) {
    const auto it = fake().readiness.find(fd);
    return it == fake().readiness.end() ? -1 : it->second;
}

inline int fake_wait_change(int timeout_ms) {
    ++fake().wait_calls;
    fake().now_ns += std::int64_t{timeout_ms < 0 ? 1 : timeout_ms} * 1'000'000;
    return 0;
}

inline std::int64_t fake_now_ns() {
    return fake().now_ns;
}

inline void fake_rearm(int epfd, int fd, std::uint32_t) {
    fake().rearmed.emplace_back(epfd, fd);
}

inline const preload::StackOps kFakeOps{fake_is_stack, fake_readiness, fake_wait_change,
                                        fake_now_ns};
inline const preload::EpollOps kFakeEpollOps{fake_readiness, fake_rearm};

} // namespace multios::net::preload_test
