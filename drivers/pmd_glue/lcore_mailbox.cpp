#include "pmd_glue/lcore_mailbox.hpp"

#include <unistd.h>

#include <array>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_ring.h>

#include "pmd_glue/glue_error.hpp"

namespace multios::net::glue {

Result<std::unique_ptr<LcoreMailboxes>> LcoreMailboxes::create(unsigned lcores) {
    std::unique_ptr<LcoreMailboxes> m(new LcoreMailboxes());
    for (unsigned i = 0; i < lcores; ++i) {
        const std::string name = fmt::format("mctl_{}_{}", static_cast<long>(getpid()) % 100000, i);
        // Many posters, one consumer: the lcore itself.
        rte_ring* r = rte_ring_create(name.c_str(), kSlots, SOCKET_ID_ANY, RING_F_SC_DEQ);
        if (r == nullptr) {
            return glue_fail(rte_errno, fmt::format("multios-net: cannot create lcore mailbox "
                                                    "{}: {} (more EAL memory: -m)",
                                                    name, rte_strerror(rte_errno)));
        }
        m->boxes_.push_back(r);
    }
    return m;
}

LcoreMailboxes::~LcoreMailboxes() {
    // Messages left unrun belong to their posters, which see them not done.
    for (rte_ring* r : boxes_) {
        rte_ring_free(r);
    }
}

bool LcoreMailboxes::post(unsigned lcore, ControlMessage& m) {
    return rte_ring_enqueue(boxes_[lcore], &m) == 0;
}

unsigned LcoreMailboxes::run_pending(unsigned lcore, Instant now) {
    std::array<void*, 16> batch;
    unsigned total = 0;
    unsigned n = 0;
    while ((n = rte_ring_dequeue_burst(boxes_[lcore], batch.data(), batch.size(), nullptr)) != 0) {
        for (unsigned i = 0; i < n; ++i) {
            static_cast<ControlMessage*>(batch[i])->run(now);
        }
        total += n;
    }
    return total;
}

} // namespace multios::net::glue
