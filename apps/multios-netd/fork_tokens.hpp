// Sockets handed from a forking client to its child: the parent asks for a token before fork(),
// the child presents it when it attaches and receives the same sockets in the same slots (as a
// forked process keeps its kernel sockets). Tokens no child claims expire and let go.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include "stack_socket.hpp"

namespace multios::net::netd {

class SocketRegistry;

using SlotTable = std::vector<std::shared_ptr<StackSocket>>;

class ForkTokens {
  public:
    explicit ForkTokens(SocketRegistry& registry);
    ~ForkTokens();

    /// Holds a reference to every socket of `slots` and returns the token naming them.
    std::uint64_t put(const SlotTable& slots);
    /// The slots of `token` (their references now belong to the caller), once.
    std::optional<SlotTable> take(std::uint64_t token);
    /// Lets go of tokens older than kForkTokenLifeSeconds.
    void expire();

  private:
    struct Entry {
        std::chrono::steady_clock::time_point created;
        SlotTable slots;
    };
    void release_all(const SlotTable& slots);

    SocketRegistry& registry_;
    std::mutex mutex_;
    std::unordered_map<std::uint64_t, Entry> entries_;
    std::mt19937_64 rng_{std::random_device{}()};
};

} // namespace multios::net::netd
