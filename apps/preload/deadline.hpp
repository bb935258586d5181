// A poll-style timeout (milliseconds, negative = forever) turned into a deadline, so a wait
// that loops (kernel poll, then a short wait for stack readiness) honours the caller's total.
#pragma once

#include <cstdint>

namespace multios::net::preload {

class Deadline {
  public:
    Deadline(int timeout_ms, std::int64_t now_ns)
        : forever_(timeout_ms < 0),
          end_ns_(now_ns + std::int64_t{timeout_ms < 0 ? 0 : timeout_ms} * 1'000'000) {}

    /// Milliseconds left, rounded up (a wait never returns early by rounding); -1 = forever.
    int remaining_ms(std::int64_t now_ns) const {
        if (forever_) {
            return -1;
        }
        const std::int64_t left = end_ns_ - now_ns;
        if (left <= 0) {
            return 0;
        }
        return static_cast<int>((left + 999'999) / 1'000'000);
    }

  private:
    bool forever_;
    std::int64_t end_ns_;
};

} // namespace multios::net::preload
