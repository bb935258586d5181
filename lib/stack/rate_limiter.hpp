// Token bucket for ICMP error generation (RFC 1812 4.3.2.8, RFC 4443 2.4(f)).
#pragma once

#include <algorithm>
#include <cstdint>

#include <multios/net/time.hpp>

namespace multios::net {

class TokenBucket {
  public:
    TokenBucket(std::uint32_t rate_per_second, std::uint32_t burst)
        : rate_(rate_per_second), burst_(burst), tokens_(burst) {}

    /// Takes one token if available.
    bool take(Instant now) {
        refill(now);
        if (tokens_ == 0)
            return false;
        --tokens_;
        return true;
    }

  private:
    void refill(Instant now) {
        if (now <= last_)
            return;
        const auto elapsed_ns = to_ns(now) - to_ns(last_);
        const std::uint64_t add = static_cast<std::uint64_t>(elapsed_ns) * rate_ / 1'000'000'000ULL;
        if (add == 0)
            return;
        tokens_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(burst_, tokens_ + add));
        last_ = now;
    }
    std::uint32_t rate_;
    std::uint32_t burst_;
    std::uint32_t tokens_;
    Instant last_{};
};

} // namespace multios::net
