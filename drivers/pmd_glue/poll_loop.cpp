#include "pmd_glue/poll_loop.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "pmd_glue/capture.hpp"
#include "pmd_glue/counters.hpp"
#include "pmd_glue/impairment.hpp"
#include "pmd_glue/lcore_mailbox.hpp"
#include "pmd_glue/mbuf_sink.hpp"
#include "pmd_glue/port.hpp"
#include "pmd_glue/steer_rings.hpp"
#include "steer/frame_classifier.hpp"

namespace multios::net::glue {

namespace {
// A whole IP datagram in one Ethernet frame (reassembled datagrams handed over by another
// lcore come as mbuf chains of that size), with room to spare.
constexpr std::size_t kScratchBytes = 14 + 65536 + 64;

/// `bytes` in a chain of mbufs from `pool`, or nullptr when the pool runs dry.
rte_mbuf* copy_to_chain(rte_mempool* pool, std::span<const std::byte> bytes) {
    rte_mbuf* head = nullptr;
    std::size_t done = 0;
    while (done < bytes.size()) {
        rte_mbuf* m = rte_pktmbuf_alloc(pool);
        if (m == nullptr) {
            rte_pktmbuf_free(head);
            return nullptr;
        }
        const auto n = static_cast<std::uint16_t>(
            std::min<std::size_t>(rte_pktmbuf_tailroom(m), bytes.size() - done));
        std::memcpy(rte_pktmbuf_append(m, n), bytes.data() + done, n);
        done += n;
        if (head == nullptr) {
            head = m;
        } else if (rte_pktmbuf_chain(head, m) != 0) {
            rte_pktmbuf_free(m);
            rte_pktmbuf_free(head);
            return nullptr;
        }
    }
    return head;
}
} // namespace

PollLoop::PollLoop(PortSet& ports, PacketProcessor& processor, MbufFrameSink& sink,
                   const PollLoopConfig& config)
    : ports_(ports), processor_(processor), sink_(sink), config_(config), scratch_(kScratchBytes) {
    config_.burst = std::clamp<std::uint16_t>(config_.burst, 1, kMaxBurst);
    for (IfIndex i = 0; i < ports.size(); ++i) {
        const std::uint16_t id = ports.info(i).port_id;
        port_ids_.push_back(id);
        if (ifindex_by_port_.size() <= id) {
            ifindex_by_port_.resize(id + 1u, 0);
        }
        ifindex_by_port_[id] = i;
    }
    now_ = clock_.now();
}

void PollLoop::set_steering(const steer::FlowSteering* steering, SteerRings* rings) {
    steering_ = steering;
    rings_ = rings;
    to_lcore_.assign(rings != nullptr ? rings->lcores() : 0, {});
    for (auto& v : to_lcore_) {
        v.reserve(2 * kMaxBurst);
    }
}

void PollLoop::set_mailboxes(LcoreMailboxes* mailboxes) {
    mailboxes_ = mailboxes;
}

bool PollLoop::hand_off(std::uint16_t lcore, IfIndex ifindex, std::span<const std::byte> frame) {
    if (rings_ == nullptr || lcore >= rings_->lcores() || lcore == config_.queue ||
        ifindex >= port_ids_.size()) {
        return false;
    }
    rte_mbuf* m = copy_to_chain(ports_.pool(ifindex), frame);
    if (m == nullptr) {
        return false;
    }
    m->port = port_ids_[ifindex];
    if (rings_->send(config_.queue, lcore, &m, 1) != 1) {
        rte_pktmbuf_free(m);
        ++counters_.steer_full;
        return false;
    }
    ++counters_.steered_out;
    return true;
}

IfIndex PollLoop::ifindex_of(const rte_mbuf* m) const {
    return m->port < ifindex_by_port_.size() ? ifindex_by_port_[m->port] : 0;
}

void PollLoop::set_capture(Capture* capture) {
    capture_ = capture;
    sink_.set_capture(capture);
}

void PollLoop::set_impairment(Impairment* impairment) {
    impairment_ = impairment;
    sink_.set_impairment(impairment);
}

std::span<const std::byte> PollLoop::frame_of(IfIndex ifindex, rte_mbuf* m) {
    if (m->nb_segs == 1) {
        return {rte_pktmbuf_mtod(m, const std::byte*), m->data_len};
    }
    QueueCounters& c = ports_.queue_counters(ifindex, config_.queue);
    if (m->pkt_len <= scratch_.size()) {
        // We never enable rx scatter, but a PMD may still chain: copy into the scratch buffer.
        const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, scratch_.data());
        ++c.rx_linearized;
        return {static_cast<const std::byte*>(p), m->pkt_len};
    }
    ++c.rx_too_big;
    return {};
}

void PollLoop::deliver(IfIndex ifindex, rte_mbuf* m) {
    const std::span<const std::byte> frame = frame_of(ifindex, m);
    if (frame.empty()) {
        return;
    }
    if (capture_ != nullptr) {
        capture_->record(ifindex, Direction::Rx, now_, frame);
    }
    processor_.receive(ifindex, frame, now_);
}

std::uint32_t PollLoop::poll_port(IfIndex ifindex) {
    // Twice the burst: room for frames an impairment releases after the fresh ones.
    std::array<rte_mbuf*, 2 * kMaxBurst> pkts;
    std::uint16_t n =
        rte_eth_rx_burst(port_ids_[ifindex], config_.queue, pkts.data(), config_.burst);
    QueueCounters& c = ports_.queue_counters(ifindex, config_.queue);
    for (std::uint16_t k = 0; k < n; ++k) {
        ++c.rx_packets;
        c.rx_bytes += pkts[k]->pkt_len;
    }
    if (impairment_ != nullptr) { // IMPAIRMENT HOOK (rx)
        n = impairment_->on_rx(ifindex, pkts.data(), n, now_);
        n += impairment_->release_rx(ifindex, pkts.data() + n,
                                     static_cast<std::uint16_t>(pkts.size() - n), now_);
    }
    if (rings_ != nullptr && rings_->lcores() > 1) {
        route_burst(ifindex, pkts.data(), n);
        return n;
    }
    for (std::uint16_t k = 0; k < n; ++k) {
        deliver(ifindex, pkts[k]);
    }
    // The processor does not keep rx bytes past receive() (packet_processor.hpp).
    rte_pktmbuf_free_bulk(pkts.data(), n);
    return n;
}

void PollLoop::route_burst(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n) {
    const unsigned me = config_.queue;
    for (std::uint16_t k = 0; k < n; ++k) {
        rte_mbuf* m = pkts[k];
        const std::span<const std::byte> frame = frame_of(ifindex, m);
        const steer::FrameDecision d = steer::classify_frame(*steering_, frame);
        if (d.route == steer::FrameRoute::Owner && d.lcore != me && d.lcore < to_lcore_.size()) {
            to_lcore_[d.lcore].push_back(m); // freed by the owner
            continue;
        }
        if (!frame.empty()) {
            if (capture_ != nullptr) {
                capture_->record(ifindex, Direction::Rx, now_, frame);
            }
            processor_.receive(ifindex, frame, now_);
        }
        if (d.route == steer::FrameRoute::Replicate) {
            replicate(m);
        }
        rte_pktmbuf_free(m);
    }
    flush_steered();
}

void PollLoop::replicate(rte_mbuf* m) {
    // Every other lcore reads the same buffer: one reference each, no copy.
    for (unsigned to = 0; to < to_lcore_.size(); ++to) {
        if (to == config_.queue) {
            continue;
        }
        rte_mbuf_refcnt_update(m, 1);
        if (rings_->send_replica(to, m)) {
            ++counters_.replicas_out;
        } else {
            rte_pktmbuf_free(m);
            ++counters_.replica_full;
        }
    }
}

void PollLoop::flush_steered() {
    for (unsigned to = 0; to < to_lcore_.size(); ++to) {
        auto& batch = to_lcore_[to];
        if (batch.empty()) {
            continue;
        }
        const auto n = static_cast<unsigned>(batch.size());
        const unsigned sent = rings_->send(config_.queue, to, batch.data(), n);
        counters_.steered_out += sent;
        if (sent < n) {
            // The owner is behind by a whole ring: drop like a full rx queue would.
            counters_.steer_full += n - sent;
            rte_pktmbuf_free_bulk(batch.data() + sent, n - sent);
        }
        batch.clear();
    }
}

std::uint32_t PollLoop::drain_steered() {
    std::array<rte_mbuf*, 2 * kMaxBurst> pkts;
    std::uint32_t total = 0;
    const unsigned me = config_.queue;
    for (unsigned from = 0; from < rings_->lcores(); ++from) {
        if (from == me) {
            continue;
        }
        const unsigned n = rings_->receive(from, me, pkts.data(), pkts.size());
        for (unsigned k = 0; k < n; ++k) {
            deliver(ifindex_of(pkts[k]), pkts[k]);
        }
        rte_pktmbuf_free_bulk(pkts.data(), n);
        counters_.steered_in += n;
        total += n;
    }
    const unsigned n = rings_->receive_replicas(me, pkts.data(), pkts.size());
    for (unsigned k = 0; k < n; ++k) {
        const IfIndex ifindex = ifindex_of(pkts[k]);
        const std::span<const std::byte> frame = frame_of(ifindex, pkts[k]);
        if (!frame.empty()) {
            processor_.receive_replica(ifindex, frame, now_);
        }
    }
    rte_pktmbuf_free_bulk(pkts.data(), n);
    counters_.replicas_in += n;
    return total + n;
}

bool PollLoop::run_once() {
    // Taken before looking for work: a ring after this point makes the idle sleep return.
    doorbell_ticket_ = doorbell_.ticket();
    now_ = clock_.now();
    sink_.set_now(now_);
    std::uint32_t moved = 0;
    for (IfIndex i = 0; i < port_ids_.size(); ++i) {
        moved += poll_port(i);
    }
    if (rings_ != nullptr && rings_->lcores() > 1) {
        moved += drain_steered();
    }
    if (mailboxes_ != nullptr) {
        const unsigned ran = mailboxes_->run_pending(config_.queue, now_);
        counters_.messages += ran;
        moved += ran;
    }
    processor_.poll(now_);
    if (on_iteration) {
        on_iteration(now_);
    }
    if (app_work && app_work(now_)) {
        ++moved;
    }
    moved += sink_.flush();
    ++counters_.iterations;
    if (moved != 0) {
        ++counters_.busy_iterations;
    }
    return moved != 0;
}

void PollLoop::idle_wait(unsigned& idle, Duration& sleep) {
    ++idle;
    if (idle <= config_.spin_iterations) {
        return;
    }
    if (idle <= config_.spin_iterations + config_.pause_iterations) {
        rte_pause();
        return;
    }
    Instant t = clock_.now();
    Instant deadline = processor_.next_deadline();
    if (impairment_ != nullptr) {
        deadline = std::min(deadline, impairment_->next_release());
    }
    if (deadline <= t) {
        return; // timer work is due: poll again at once
    }
    Duration d = sleep;
    if (deadline != kNever) {
        d = std::min(d, std::chrono::duration_cast<Duration>(deadline - t));
    }
    doorbell_.wait_for(doorbell_ticket_, d);
    ++counters_.sleeps;
    counters_.slept_ns += static_cast<std::uint64_t>(d.count());
    sleep = std::min(sleep * 2, config_.max_sleep);
}

void PollLoop::run(const std::atomic<bool>& stop) {
    unsigned idle = 0;
    Duration sleep = config_.min_sleep;
    while (!stop.load(std::memory_order_relaxed)) {
        if (run_once()) {
            idle = 0;
            sleep = config_.min_sleep;
        } else {
            idle_wait(idle, sleep);
        }
    }
    sink_.flush();
    if (capture_ != nullptr) {
        capture_->flush();
    }
}

} // namespace multios::net::glue
