#include "pmd_glue/counters.hpp"

namespace multios::net::glue {

QueueCounters& QueueCounters::operator+=(const QueueCounters& o) {
    rx_packets += o.rx_packets;
    rx_bytes += o.rx_bytes;
    tx_packets += o.tx_packets;
    tx_bytes += o.tx_bytes;
    tx_dropped += o.tx_dropped;
    tx_alloc_failed += o.tx_alloc_failed;
    tx_too_big += o.tx_too_big;
    tx_bad_commit += o.tx_bad_commit;
    rx_linearized += o.rx_linearized;
    rx_too_big += o.rx_too_big;
    return *this;
}

} // namespace multios::net::glue
