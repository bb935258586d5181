// Initial sequence numbers, RFC 6528 section 3: ISN = M + F(localip, localport, remoteip,
// remoteport, secretkey), M a timer ticking every 4 microseconds, F a keyed PRF (SipHash-2-4
// here). Sequence numbers of one 4-tuple keep advancing across incarnations (RFC 9293 3.4.1:
// old duplicates stay outside the new window) while an off-path attacker who sees one
// connection's ISN learns nothing about any other tuple's (NUMBER:JACK, HARDENING.md row 15).
#pragma once

#include <cstdint>

#include <multios/net/time.hpp>

#include "ip/siphash.hpp"
#include "tcp/four_tuple.hpp"

namespace multios::net {

class IsnGenerator {
  public:
    /// `seed` should come from a random source at stack start; equal seeds give equal ISNs
    /// (deterministic tests). The secret is not rotated: RFC 6528 section 3 allows that, and
    /// rotating it would break the monotonic ISNs per tuple that TIME-WAIT reuse relies on.
    explicit IsnGenerator(std::uint64_t seed);

    /// ISN for a new connection on `tuple` at `now`.
    std::uint32_t isn(const FourTuple& tuple, Instant now) const;

    /// M: the RFC 6528 / RFC 9293 clock, one step per 4 microseconds of injected time
    /// (wraps every ~4.77 hours).
    static std::uint32_t clock_component(Instant now);

  private:
    SipKey key_;
};

} // namespace multios::net
