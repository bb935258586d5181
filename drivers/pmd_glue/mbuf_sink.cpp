#include "pmd_glue/mbuf_sink.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pmd_glue/capture.hpp"
#include "pmd_glue/counters.hpp"
#include "pmd_glue/impairment.hpp"
#include "pmd_glue/port.hpp"

namespace multios::net::glue {

MbufFrameSink::MbufFrameSink(PortSet& ports, std::uint16_t queue)
    : ports_(ports), queue_(queue), tx_(ports.size()), capacity_(ports.frame_capacity()) {
    for (IfIndex i = 0; i < ports.size(); ++i) {
        counters_.push_back(&ports.queue_counters(i, queue));
        pools_.push_back(ports.pool(i));
        port_ids_.push_back(ports.info(i).port_id);
    }
}

MbufFrameSink::~MbufFrameSink() {
    abort_frame();
    for (auto& b : tx_) {
        rte_pktmbuf_free_bulk(b.pkts.data(), b.count);
        b.count = 0;
    }
}

std::span<std::byte> MbufFrameSink::begin_frame(IfIndex ifindex, std::size_t max_len) {
    if (open_ != nullptr) {
        // Contract breach by the caller (FrameSink: one open frame at a time).
        ++counters_[open_if_]->tx_bad_commit;
        abort_frame();
    }
    if (ifindex >= tx_.size()) {
        return {};
    }
    QueueCounters& c = *counters_[ifindex];
    if (max_len > capacity_) {
        ++c.tx_too_big;
        return {};
    }
    rte_mbuf* m = rte_pktmbuf_alloc(pools_[ifindex]);
    if (m == nullptr) {
        ++c.tx_alloc_failed;
        return {};
    }
    open_ = m;
    open_if_ = ifindex;
    open_cap_ = rte_pktmbuf_tailroom(m);
    return {rte_pktmbuf_mtod(m, std::byte*), open_cap_};
}

void MbufFrameSink::commit_frame(std::size_t len) {
    if (open_ == nullptr) {
        return;
    }
    if (len == 0 || len > open_cap_) {
        ++counters_[open_if_]->tx_bad_commit;
        abort_frame();
        return;
    }
    rte_mbuf* m = open_;
    open_ = nullptr;
    m->data_len = static_cast<std::uint16_t>(len);
    m->pkt_len = static_cast<std::uint32_t>(len);
    TxBuffer& b = tx_[open_if_];
    b.pkts[b.count++] = m;
    if (b.count == kTxBurst) {
        flush_port(open_if_);
    }
}

void MbufFrameSink::abort_frame() {
    if (open_ != nullptr) {
        rte_pktmbuf_free(open_);
        open_ = nullptr;
    }
}

std::uint32_t MbufFrameSink::flush() {
    std::uint32_t sent = 0;
    for (IfIndex i = 0; i < tx_.size(); ++i) {
        if (tx_[i].count != 0 || impairment_ != nullptr) {
            sent += flush_port(i);
        }
    }
    return sent;
}

void MbufFrameSink::capture_tx(IfIndex ifindex, rte_mbuf* const* pkts, std::uint16_t n) {
    for (std::uint16_t k = 0; k < n; ++k) {
        const rte_mbuf* m = pkts[k];
        capture_->record(ifindex, Direction::Tx, now_,
                         {rte_pktmbuf_mtod(m, const std::byte*), m->data_len});
    }
}

std::uint32_t MbufFrameSink::flush_port(IfIndex ifindex) {
    TxBuffer& b = tx_[ifindex];
    std::uint16_t n = b.count;
    b.count = 0;
    if (impairment_ != nullptr) { // IMPAIRMENT HOOK (tx)
        n = impairment_->on_tx(ifindex, b.pkts.data(), n, now_);
        n += impairment_->release_tx(ifindex, b.pkts.data() + n,
                                     static_cast<std::uint16_t>(kTxBurst - n), now_);
    }
    if (n == 0) {
        return 0;
    }
    if (capture_ != nullptr) {
        capture_tx(ifindex, b.pkts.data(), n);
    }
    // Byte counts are read before the burst: once accepted, the PMD may free the mbufs.
    std::uint64_t bytes = 0;
    for (std::uint16_t k = 0; k < n; ++k) {
        bytes += b.pkts[k]->pkt_len;
    }
    std::uint16_t sent = 0;
    for (unsigned attempt = 0; attempt < kTxAttempts && sent < n; ++attempt) {
        sent += rte_eth_tx_burst(port_ids_[ifindex], queue_, b.pkts.data() + sent,
                                 static_cast<std::uint16_t>(n - sent));
    }
    QueueCounters& c = *counters_[ifindex];
    if (sent < n) {
        for (std::uint16_t k = sent; k < n; ++k) {
            bytes -= b.pkts[k]->pkt_len;
        }
        rte_pktmbuf_free_bulk(b.pkts.data() + sent, static_cast<unsigned>(n - sent));
        c.tx_dropped += n - sent;
    }
    c.tx_packets += sent;
    c.tx_bytes += bytes;
    return sent;
}

} // namespace multios::net::glue
