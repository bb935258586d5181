// Per-queue counters kept by the glue itself (the PMD's own rte_eth_stats are read on demand).
// A queue is owned by one lcore: only that lcore writes its counters, and they are read on that
// lcore (CLI work runs in PollLoop::on_iteration) or after the loop has stopped.
#pragma once

#include <cstdint>

namespace multios::net::glue {

struct QueueCounters {
    std::uint64_t rx_packets = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_packets = 0; ///< Accepted by the PMD.
    std::uint64_t tx_bytes = 0;
    std::uint64_t tx_dropped = 0;      ///< Refused by the PMD after retries (ring full), freed.
    std::uint64_t tx_alloc_failed = 0; ///< begin_frame found the mempool empty.
    std::uint64_t tx_too_big = 0;      ///< begin_frame asked for more than one mbuf holds.
    std::uint64_t tx_bad_commit = 0;   ///< commit_frame with a length over the buffer.
    std::uint64_t rx_linearized = 0;   ///< Multi-segment frames copied into the scratch buffer.
    std::uint64_t rx_too_big = 0;      ///< Multi-segment frames larger than the scratch buffer.

    QueueCounters& operator+=(const QueueCounters& o);
};

} // namespace multios::net::glue
