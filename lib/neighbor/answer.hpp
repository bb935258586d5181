// Whether a received neighbor message may be answered (issue 4, multi-core). The lcore that
// received an ARP/NDP frame handles it fully (Answer::Yes); every other lcore gets a learn-only
// replica (Answer::No) so its own neighbor cache, addresses and routers converge, while the
// replies (ARP reply, NA, defence) go out once, from the receiving lcore only.
#pragma once

namespace multios::net {

enum class Answer : bool { No = false, Yes = true };

} // namespace multios::net
