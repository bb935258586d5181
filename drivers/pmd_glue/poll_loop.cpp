#include "pmd_glue/poll_loop.hpp"

#include <algorithm>
#include <ctime>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#include "pmd_glue/capture.hpp"
#include "pmd_glue/counters.hpp"
#include "pmd_glue/impairment.hpp"
#include "pmd_glue/mbuf_sink.hpp"
#include "pmd_glue/port.hpp"

namespace multios::net::glue {

namespace {
constexpr std::size_t kScratchBytes = 16 * 1024; // above a 9000-byte MTU frame
} // namespace

PollLoop::PollLoop(PortSet& ports, PacketProcessor& processor, MbufFrameSink& sink,
                   const PollLoopConfig& config)
    : ports_(ports), processor_(processor), sink_(sink), config_(config), scratch_(kScratchBytes) {
    config_.burst = std::clamp<std::uint16_t>(config_.burst, 1, kMaxBurst);
    for (IfIndex i = 0; i < ports.size(); ++i) {
        port_ids_.push_back(ports.info(i).port_id);
    }
    now_ = clock_.now();
}

void PollLoop::set_capture(Capture* capture) {
    capture_ = capture;
    sink_.set_capture(capture);
}

void PollLoop::set_impairment(Impairment* impairment) {
    impairment_ = impairment;
    sink_.set_impairment(impairment);
}

void PollLoop::deliver(IfIndex ifindex, rte_mbuf* m) {
    QueueCounters& c = ports_.queue_counters(ifindex, config_.queue);
    std::span<const std::byte> frame;
    if (m->nb_segs == 1) {
        frame = {rte_pktmbuf_mtod(m, const std::byte*), m->data_len};
    } else if (m->pkt_len <= scratch_.size()) {
        // We never enable rx scatter, but a PMD may still chain: copy into the scratch buffer.
        const void* p = rte_pktmbuf_read(m, 0, m->pkt_len, scratch_.data());
        frame = {static_cast<const std::byte*>(p), m->pkt_len};
        ++c.rx_linearized;
    } else {
        ++c.rx_too_big;
        return;
    }
    ++c.rx_packets;
    c.rx_bytes += frame.size();
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
    if (impairment_ != nullptr) { // IMPAIRMENT HOOK (rx)
        n = impairment_->on_rx(ifindex, pkts.data(), n, now_);
        n += impairment_->release_rx(ifindex, pkts.data() + n,
                                     static_cast<std::uint16_t>(pkts.size() - n), now_);
    }
    for (std::uint16_t k = 0; k < n; ++k) {
        deliver(ifindex, pkts[k]);
    }
    // The processor does not keep rx bytes past receive() (packet_processor.hpp).
    rte_pktmbuf_free_bulk(pkts.data(), n);
    return n;
}

bool PollLoop::run_once() {
    now_ = clock_.now();
    sink_.set_now(now_);
    std::uint32_t moved = 0;
    for (IfIndex i = 0; i < port_ids_.size(); ++i) {
        moved += poll_port(i);
    }
    processor_.poll(now_);
    if (on_iteration) {
        on_iteration(now_);
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
    timespec ts{static_cast<time_t>(d.count() / 1'000'000'000),
                static_cast<long>(d.count() % 1'000'000'000)};
    nanosleep(&ts, nullptr);
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
