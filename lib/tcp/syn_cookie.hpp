// SYN cookies (RFC 4987 section 3.6): when a listener's SYN queue is full it keeps no state
// for a SYN and instead encodes what it must remember into the ISN of its SYN-ACK. A valid
// final ACK (ack - 1 == cookie) then proves the peer saw that SYN-ACK.
//
// Cookie layout (32 bits):
//
//   cookie = ( (t mod 64) << 2 | mss_index ) XOR P(tuple, MAC24)  << 24  |  MAC24
//
//   t          counter of 64-second periods of injected time; a cookie is valid while the
//              counter is t or t + 1 (aged less than 2 periods: between 64 and 128 s).
//   mss_index  2 bits: the largest table MSS not above the peer's (kMssV4 / kMssV6); a
//              peer that offers less than the smallest entry gets the smallest entry.
//   MAC24      24 bits of SipHash-2-4 over (tuple, peer ISN, full t, mss_index): a blind
//              forger succeeds with probability 2^-24 per guess (8 live (t, mss) classes).
//   P          8 bits of a second keyed hash over (tuple, MAC24): hides the time counter and
//              MSS class, so cookies look uniformly random even across periods of one tuple.
//              The receiver recomputes P from the MAC bits, recovers t and the MSS class, then
//              recomputes the MAC.
//
// Not encoded: window scale, SACK-permitted and timestamps. Linux hides them in the TSval low
// bits; we do not, so a connection completed from a cookie runs without those options
// (RFC 7323 / RFC 2018 stay off) and with the decoded MSS. Cookie ISNs do not follow the
// RFC 6528 clock; that is accepted for connections that exist only under SYN flood.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include <multios/net/time.hpp>

#include "ip/siphash.hpp"
#include "tcp/four_tuple.hpp"

namespace multios::net {

class SynCookies {
  public:
    static constexpr Duration kPeriod = std::chrono::seconds(64);
    /// Counter periods a cookie stays valid (current and previous).
    static constexpr std::int64_t kMaxAgePeriods = 2;
    /// MSS classes: 536 (RFC 9293 default), 1220 (IPv6 minimum MTU 1280 - 60), 1440/1460
    /// (Ethernet with and without TCP options headroom).
    static constexpr std::array<std::uint16_t, 4> kMssV4{536, 1220, 1440, 1460};
    /// IPv6: 1220 (1280 - 60), 1400 (tunnels), 1440 (Ethernet 1500 - 60), 8940 (9000 jumbo).
    static constexpr std::array<std::uint16_t, 4> kMssV6{1220, 1400, 1440, 8940};

    /// `seed` from a random source at stack start; equal seeds give equal cookies.
    explicit SynCookies(std::uint64_t seed);

    /// Cookie to send as our ISN in the SYN-ACK answering a SYN on `tuple` (local = us) with
    /// sequence number `peer_isn` and MSS option `mss` (RFC 9293: 536 when absent).
    std::uint32_t make_cookie(const FourTuple& tuple, std::uint32_t peer_isn, std::uint16_t mss,
                              Instant now) const;

    /// Checks the final ACK of a handshake on `tuple`: `peer_isn` = SEG.SEQ - 1 and
    /// `cookie` = SEG.ACK - 1. Returns the MSS class if the cookie was made by us for exactly
    /// this tuple and peer ISN less than kMaxAgePeriods counter periods ago, else nullopt.
    std::optional<std::uint16_t> check_cookie(const FourTuple& tuple, std::uint32_t peer_isn,
                                              std::uint32_t cookie, Instant now) const;

    /// The MSS a cookie made for `mss` on `tuple` will decode to.
    static std::uint16_t encoded_mss(const FourTuple& tuple, std::uint16_t mss);

  private:
    static const std::array<std::uint16_t, 4>& table_for(const FourTuple& tuple);
    static unsigned mss_index(const FourTuple& tuple, std::uint16_t mss);
    static std::int64_t counter(Instant now);
    std::uint32_t pad(const FourTuple& tuple, std::uint32_t mac24) const;
    std::uint32_t mac(const FourTuple& tuple, std::uint32_t peer_isn, std::int64_t t,
                      unsigned index) const;

    SipKey pad_key_;
    SipKey mac_key_;
};

} // namespace multios::net
