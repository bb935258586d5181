// FrameSink over DPDK mbufs, one per lcore (it owns tx queue `queue` of every port). A frame
// is written straight into a single-segment mbuf; committed frames wait in a per-port burst
// buffer that is sent with rte_eth_tx_burst when full or on flush(). No heap, lock or syscall
// per frame; every mbuf the PMD does not take is freed and counted, never leaked.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace multios::net::glue {

class PortSet;
class Capture;
class Impairment;
struct QueueCounters;

class MbufFrameSink final : public FrameSink {
  public:
    static constexpr std::uint16_t kTxBurst = 64;
    /// tx_burst calls per flush before the rest of a full ring is dropped: a PMD that frees
    /// descriptors lazily often takes more on the second call.
    static constexpr unsigned kTxAttempts = 4;

    /// Uses tx queue `queue` of every port in `ports` (which must outlive the sink).
    MbufFrameSink(PortSet& ports, std::uint16_t queue);
    /// Frees (does not send) pending and open frames.
    ~MbufFrameSink() override;
    MbufFrameSink(const MbufFrameSink&) = delete;
    MbufFrameSink& operator=(const MbufFrameSink&) = delete;

    /// A span over a fresh mbuf's data room (at least max_len bytes), or empty when the
    /// ifindex is unknown, the pool is empty (tx_alloc_failed) or max_len does not fit one
    /// mbuf (tx_too_big). An open frame not yet committed is aborted first.
    std::span<std::byte> begin_frame(IfIndex ifindex, std::size_t max_len) override;
    void commit_frame(std::size_t len) override;
    void abort_frame() override;

    /// Sends everything pending on all ports; returns the number of frames the PMDs accepted.
    std::uint32_t flush();
    /// Frames committed and not yet sent on `ifindex`.
    std::uint16_t pending(IfIndex ifindex) const { return tx_[ifindex].count; }
    /// Time stamp for captured tx frames and impairment (the poll loop sets it per iteration).
    void set_now(Instant now) { now_ = now; }
    void set_capture(Capture* capture) { capture_ = capture; }
    void set_impairment(Impairment* impairment) { impairment_ = impairment; }

  private:
    struct TxBuffer {
        std::array<rte_mbuf*, kTxBurst> pkts{};
        std::uint16_t count = 0;
    };
    std::uint32_t flush_port(IfIndex ifindex);
    void capture_tx(IfIndex ifindex, rte_mbuf* const* pkts, std::uint16_t n);

    PortSet& ports_;
    std::uint16_t queue_;
    std::vector<TxBuffer> tx_;             // [ifindex], sized once
    std::vector<QueueCounters*> counters_; // [ifindex] -> this queue's counters
    std::vector<rte_mempool*> pools_;      // [ifindex]
    std::vector<std::uint16_t> port_ids_;  // [ifindex]
    rte_mbuf* open_ = nullptr;
    IfIndex open_if_ = 0;
    std::size_t open_cap_ = 0;
    std::size_t capacity_;
    Instant now_{};
    Capture* capture_ = nullptr;
    Impairment* impairment_ = nullptr;
};

} // namespace multios::net::glue
