// Fragmentation planning: which byte ranges of a payload go into which fragment. Pure
// arithmetic; the caller builds the headers (IPv4: RFC 791 3.2 "Fragmentation"; IPv6: RFC 8200
// 4.5) and copies the data. No heap: iterate with FragmentPlanner or fill a caller array.
// The identifier generators live in ip/ip_id.hpp (included here for convenience).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ip/ip_id.hpp"

namespace multios::net {

/// One fragment: `length` bytes of the original datagram's fragmentable data starting at
/// `offset` (bytes; a multiple of 8 so it fits the 13-bit offset field), and the MF / M flag.
struct FragmentPiece {
    std::uint16_t offset = 0;
    std::uint16_t length = 0;
    bool more = false;
    friend bool operator==(const FragmentPiece&, const FragmentPiece&) = default;
};

/// What to split.
struct FragmentSpec {
    /// Bytes of fragmentable data (IPv4: everything after the IP header; IPv6: everything after
    /// the Fragment header).
    std::size_t payload_len = 0;
    /// Link (or path) MTU: every fragment packet, header included, must fit in it.
    std::size_t mtu = 0;
    /// Header bytes in the first fragment packet. IPv4: 20 + options. IPv6: 40 + unfragmentable
    /// extension headers + 8 (Fragment header).
    std::size_t header_len = 0;
    /// Header bytes in the later fragments, when different: IPv4 copies only options whose
    /// "copied" flag is set (RFC 791 3.1). 0 means "same as header_len".
    std::size_t later_header_len = 0;
    /// Refragmenting an IPv4 fragment (a router or a tunnel): the original fragment's offset in
    /// bytes (a multiple of 8) and its MF flag. RFC 791 3.2: the last new fragment carries the
    /// original MF and every offset is shifted by the original offset.
    std::uint16_t base_offset = 0;
    bool base_more = false;
};

/// Yields the pieces of a FragmentSpec in increasing offset order.
class FragmentPlanner {
  public:
    explicit FragmentPlanner(const FragmentSpec& spec);

    /// False when the spec cannot be fragmented: fewer than 8 data bytes fit next to a header,
    /// base_offset is not a multiple of 8, or the data would end beyond byte 65535.
    bool valid() const { return valid_; }
    /// Writes the next piece and returns true, or returns false when all pieces were yielded
    /// (or the spec is invalid).
    bool next(FragmentPiece& out);
    /// Number of pieces this spec yields in total (0 when invalid).
    std::size_t count() const;

  private:
    FragmentSpec spec_;
    std::size_t pos_ = 0;
    bool first_ = true;
    bool done_ = false;
    bool valid_ = false;
};

/// Fills `out` with the pieces of `spec`. Returns how many, or 0 when the spec is invalid or
/// `out` is too small (then `out`'s contents are unspecified).
std::size_t plan_fragments(const FragmentSpec& spec, std::span<FragmentPiece> out);

} // namespace multios::net
