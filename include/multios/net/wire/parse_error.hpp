// The one error type of the wire layer: why a header was rejected. Every rejected packet is
// dropped and counted under its reason; nothing above the wire layer re-validates.
#pragma once

#include <cstdint>

namespace multios::net::wire {

enum class ParseError : std::uint8_t {
    Ok = 0,
    Truncated,       ///< Buffer shorter than the header or a length field says.
    BadChecksum,     ///< Checksum does not verify.
    BadVersion,      ///< IP version field wrong for the ethertype.
    BadHeaderLength, ///< IHL < 5, TCP data offset < 5, header longer than the packet.
    BadLength,       ///< Total/payload/UDP length inconsistent with the buffer or header.
    BadOption,       ///< Option TLV malformed (length 0/1 where >=2 needed, runs past the header).
    TooManyHeaders,  ///< IPv6 extension chain or VLAN tags exceed the walk limit.
    BadFragment,     ///< Fragment header/offset invalid (e.g. not a multiple of 8, too long).
    Unsupported,     ///< Well-formed but unsupported (e.g. ARP for a non-Ethernet/IPv4 pair).
    SourceRoute,     ///< IPv4 LSRR/SSRR or IPv6 routing header type 0 (dropped by policy).
    BadAddress,      ///< Source address is multicast/broadcast, etc.
};

/// Short lower-case name used in counters ("truncated", "bad_checksum", ...).
const char* to_string(ParseError e);

} // namespace multios::net::wire
