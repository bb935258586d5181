#include "pmd_glue/mbuf_impairment.hpp"

#include <algorithm>
#include <array>

#include <rte_mbuf.h>

namespace multios::net::glue {

namespace {
const ImpairCounters kNoCounters{};
} // namespace

MbufImpairment::MbufImpairment(std::span<const ImpairmentConfig> configs, std::uint64_t seed,
                               std::size_t capacity_per_direction) {
    ports_.reserve(configs.size());
    for (std::size_t i = 0; i < configs.size(); ++i) {
        const auto port = static_cast<std::uint32_t>(i);
        // An inactive port never queues, so it gets a one-slot line instead of a full one.
        const std::size_t cap = configs[i].active() ? capacity_per_direction : 1;
        ports_.push_back(PortPaths{
            configs[i].active(),
            Path(configs[i], impairment_stream_seed(seed, port, ImpairDirection::rx), cap),
            Path(configs[i], impairment_stream_seed(seed, port, ImpairDirection::tx), cap)});
    }
}

MbufImpairment::~MbufImpairment() {
    free_held();
}

std::size_t MbufImpairment::free_held() {
    std::array<rte_mbuf*, 64> batch;
    std::size_t freed = 0;
    for (auto& p : ports_) {
        for (Path* path : {&p.rx, &p.tx}) {
            while (std::size_t n = path->drain(batch)) {
                rte_pktmbuf_free_bulk(batch.data(), static_cast<unsigned>(n));
                freed += n;
            }
        }
    }
    return freed;
}

MbufImpairment::Path* MbufImpairment::path(IfIndex ifindex, bool rx) {
    if (ifindex >= ports_.size() || !ports_[ifindex].active) {
        return nullptr;
    }
    return rx ? &ports_[ifindex].rx : &ports_[ifindex].tx;
}

std::uint16_t MbufImpairment::filter(Path& path, rte_mbuf** pkts, std::uint16_t n, Instant now) {
    std::uint16_t kept = 0;
    for (std::uint16_t k = 0; k < n; ++k) {
        switch (path.offer(pkts[k], now)) {
        case ImpairDisposition::forward:
            pkts[kept++] = pkts[k];
            break;
        case ImpairDisposition::queued:
            break; // the path owns it until release
        case ImpairDisposition::drop:
            // Every path that drops a frame frees it (HARDENING.md: no mbuf leaks).
            rte_pktmbuf_free(pkts[k]);
            break;
        }
    }
    return kept;
}

std::uint16_t MbufImpairment::on_rx(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n,
                                    Instant now) {
    Path* p = path(ifindex, true);
    return p == nullptr ? n : filter(*p, pkts, n, now);
}

std::uint16_t MbufImpairment::on_tx(IfIndex ifindex, rte_mbuf** pkts, std::uint16_t n,
                                    Instant now) {
    Path* p = path(ifindex, false);
    return p == nullptr ? n : filter(*p, pkts, n, now);
}

std::uint16_t MbufImpairment::release_rx(IfIndex ifindex, rte_mbuf** out, std::uint16_t room,
                                         Instant now) {
    Path* p = path(ifindex, true);
    return p == nullptr ? 0 : static_cast<std::uint16_t>(p->release(now, std::span(out, room)));
}

std::uint16_t MbufImpairment::release_tx(IfIndex ifindex, rte_mbuf** out, std::uint16_t room,
                                         Instant now) {
    Path* p = path(ifindex, false);
    return p == nullptr ? 0 : static_cast<std::uint16_t>(p->release(now, std::span(out, room)));
}

Instant MbufImpairment::next_release() const {
    Instant next = kNever;
    for (const auto& p : ports_) {
        if (p.active) {
            next = std::min({next, p.rx.next_release(), p.tx.next_release()});
        }
    }
    return next;
}

bool MbufImpairment::active(IfIndex ifindex) const {
    return ifindex < ports_.size() && ports_[ifindex].active;
}

const ImpairCounters& MbufImpairment::rx_counters(IfIndex ifindex) const {
    return ifindex < ports_.size() ? ports_[ifindex].rx.counters() : kNoCounters;
}

const ImpairCounters& MbufImpairment::tx_counters(IfIndex ifindex) const {
    return ifindex < ports_.size() ? ports_[ifindex].tx.counters() : kNoCounters;
}

std::size_t MbufImpairment::held() const {
    std::size_t n = 0;
    for (const auto& p : ports_) {
        n += p.rx.held() + p.tx.held();
    }
    return n;
}

} // namespace multios::net::glue
