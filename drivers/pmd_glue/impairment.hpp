// Hook for link impairment (--loss/--delay/--reorder); implemented by MbufImpairment
// (mbuf_impairment.hpp) over the sans-IO lib/impair.
// The glue calls it at exactly two places, both marked "IMPAIRMENT HOOK":
//   rx: PollLoop::poll_port, right after rte_eth_rx_burst (before capture and the stack);
//   tx: MbufFrameSink::flush_port, right before capture and rte_eth_tx_burst.
// Nothing is installed by default (nullptr), so the hot path pays one predictable branch.
#pragma once

#include <cstdint>

#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"

struct rte_mbuf;

namespace multios::net::glue {

class Impairment {
  public:
    virtual ~Impairment() = default;
    /// Filters one burst in place: keeps the frames that go on now at the front of `pkts`
    /// and returns their count. Frames it drops it frees (and counts); frames it delays or
    /// reorders it keeps, and hands back later through release().
    virtual std::uint16_t on_rx(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n, Instant now) = 0;
    virtual std::uint16_t on_tx(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n, Instant now) = 0;
    /// Held rx frames due at `now`, appended to `out` (at most `room`); returns the count.
    virtual std::uint16_t release_rx(IfIndex ifindex, rte_mbuf** out, std::uint16_t room,
                                     Instant now) = 0;
    /// Held tx frames due at `now`, appended to `out` (at most `room`); returns the count.
    virtual std::uint16_t release_tx(IfIndex ifindex, rte_mbuf** out, std::uint16_t room,
                                     Instant now) = 0;
    /// When the next held frame is due (kNever if none): bounds the poll loop's sleep.
    virtual Instant next_release() const = 0;
};

} // namespace multios::net::glue
