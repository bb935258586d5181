#include "pmd_glue/steer_rings.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "pmd_glue/glue_error.hpp"

namespace multios::net::glue {

namespace {

/// Ring names are global to the EAL instance; the pid keeps two stacks in one machine apart
/// in logs (EAL memory is private here, --no-shconf / --in-memory).
std::string ring_name(const char* kind, unsigned a, unsigned b) {
    return fmt::format("m{}_{}_{}_{}", kind, static_cast<long>(getpid()) % 100000, a, b);
}

Result<rte_ring*> make_ring(const std::string& name, unsigned size, unsigned flags) {
    rte_ring* r = rte_ring_create(name.c_str(), size, SOCKET_ID_ANY, flags);
    if (r == nullptr) {
        return glue_fail(rte_errno, fmt::format("multios-net: cannot create steering ring {} "
                                                "({} slots): {} (more EAL memory: -m)",
                                                name, size, rte_strerror(rte_errno)));
    }
    return r;
}

void drain_and_free(rte_ring* r) {
    if (r == nullptr) {
        return;
    }
    void* m = nullptr;
    while (rte_ring_dequeue(r, &m) == 0) {
        rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    }
    rte_ring_free(r);
}

} // namespace

Result<std::unique_ptr<SteerRings>> SteerRings::create(unsigned lcores) {
    std::unique_ptr<SteerRings> rings(new SteerRings(lcores));
    rings->flow_.assign(std::size_t{lcores} * lcores, nullptr);
    rings->replica_.assign(lcores, nullptr);
    if (lcores < 2) {
        return rings;
    }
    for (unsigned from = 0; from < lcores; ++from) {
        for (unsigned to = 0; to < lcores; ++to) {
            if (from == to) {
                continue;
            }
            auto r =
                make_ring(ring_name("st", from, to), kFlowRingSize, RING_F_SP_ENQ | RING_F_SC_DEQ);
            if (!r) {
                return fail(r.error());
            }
            rings->flow_[from * lcores + to] = *r;
        }
    }
    for (unsigned to = 0; to < lcores; ++to) {
        auto r = make_ring(ring_name("rp", to, 0), kReplicaRingSize, RING_F_SC_DEQ);
        if (!r) {
            return fail(r.error());
        }
        rings->replica_[to] = *r;
    }
    return rings;
}

SteerRings::~SteerRings() {
    for (rte_ring* r : flow_) {
        drain_and_free(r);
    }
    for (rte_ring* r : replica_) {
        drain_and_free(r);
    }
}

unsigned SteerRings::send(unsigned from, unsigned to, rte_mbuf* const* frames, unsigned n) {
    return rte_ring_enqueue_burst(flow_ring(from, to), reinterpret_cast<void* const*>(frames), n,
                                  nullptr);
}

unsigned SteerRings::receive(unsigned from, unsigned to, rte_mbuf** frames, unsigned max) {
    return rte_ring_dequeue_burst(flow_ring(from, to), reinterpret_cast<void**>(frames), max,
                                  nullptr);
}

bool SteerRings::send_replica(unsigned to, rte_mbuf* frame) {
    return rte_ring_enqueue(replica_[to], frame) == 0;
}

unsigned SteerRings::receive_replicas(unsigned to, rte_mbuf** frames, unsigned max) {
    return rte_ring_dequeue_burst(replica_[to], reinterpret_cast<void**>(frames), max, nullptr);
}

} // namespace multios::net::glue
