#include "fork_tokens.hpp"

#include "netd/protocol.hpp"
#include "socket_registry.hpp"

namespace multios::net::netd {

ForkTokens::ForkTokens(SocketRegistry& registry) : registry_(registry) {}

ForkTokens::~ForkTokens() {
    for (auto& [token, e] : entries_)
        release_all(e.slots);
}

std::uint64_t ForkTokens::put(const SlotTable& slots) {
    for (const auto& s : slots)
        if (s)
            registry_.retain(*s);
    std::lock_guard lock(mutex_);
    std::uint64_t token = 0;
    while (token == 0 || entries_.contains(token))
        token = rng_();
    entries_.emplace(token, Entry{std::chrono::steady_clock::now(), slots});
    return token;
}

std::optional<SlotTable> ForkTokens::take(std::uint64_t token) {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(token);
    if (it == entries_.end())
        return std::nullopt;
    SlotTable slots = std::move(it->second.slots);
    entries_.erase(it);
    return slots;
}

void ForkTokens::expire() {
    const auto limit =
        std::chrono::steady_clock::now() - std::chrono::seconds(kForkTokenLifeSeconds);
    std::vector<SlotTable> old;
    {
        std::lock_guard lock(mutex_);
        for (auto it = entries_.begin(); it != entries_.end();) {
            if (it->second.created < limit) {
                old.push_back(std::move(it->second.slots));
                it = entries_.erase(it);
            } else {
                ++it;
            }
        }
    }
    for (const auto& slots : old)
        release_all(slots);
}

void ForkTokens::release_all(const SlotTable& slots) {
    for (const auto& s : slots)
        if (s)
            registry_.release(s);
}

} // namespace multios::net::netd
