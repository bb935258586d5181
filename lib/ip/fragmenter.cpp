#include "ip/fragmenter.hpp"

namespace multios::net {
namespace {

// Largest datagram end (data bytes) the 16-bit length fields can describe.
constexpr std::size_t kMaxEnd = 65535;

std::size_t later_header(const FragmentSpec& s) {
    return s.later_header_len != 0 ? s.later_header_len : s.header_len;
}

// Room for data next to a header of `hdr` bytes; 0 when the header alone does not fit.
std::size_t room(std::size_t mtu, std::size_t hdr) {
    return mtu > hdr ? mtu - hdr : 0;
}

bool spec_valid(const FragmentSpec& s) {
    // RFC 791 3.2 / RFC 8200 4.5: offsets count 8-octet units, so every fragment but the last
    // must carry a multiple of 8 bytes, hence at least 8 must fit.
    if (room(s.mtu, s.header_len) < 8 || room(s.mtu, later_header(s)) < 8)
        return false;
    if (s.base_offset % 8 != 0)
        return false;
    return std::size_t{s.base_offset} + s.payload_len <= kMaxEnd;
}

} // namespace

FragmentPlanner::FragmentPlanner(const FragmentSpec& spec) : spec_(spec), valid_(spec_valid(spec)) {
    done_ = !valid_;
}

bool FragmentPlanner::next(FragmentPiece& out) {
    if (done_)
        return false;
    const std::size_t space = room(spec_.mtu, first_ ? spec_.header_len : later_header(spec_));
    const std::size_t remaining = spec_.payload_len - pos_;
    out.offset = static_cast<std::uint16_t>(spec_.base_offset + pos_);
    if (remaining <= space) {
        // The last piece may have any length; it inherits the original MF (RFC 791 3.2).
        out.length = static_cast<std::uint16_t>(remaining);
        out.more = spec_.base_more;
        done_ = true;
    } else {
        out.length = static_cast<std::uint16_t>(space / 8 * 8);
        out.more = true;
    }
    pos_ += out.length;
    first_ = false;
    return true;
}

std::size_t FragmentPlanner::count() const {
    if (!valid_)
        return 0;
    FragmentPlanner copy(spec_);
    FragmentPiece p;
    std::size_t n = 0;
    while (copy.next(p))
        ++n;
    return n;
}

std::size_t plan_fragments(const FragmentSpec& spec, std::span<FragmentPiece> out) {
    FragmentPlanner planner(spec);
    if (!planner.valid())
        return 0;
    std::size_t n = 0;
    FragmentPiece p;
    while (planner.next(p)) {
        if (n == out.size())
            return 0;
        out[n++] = p;
    }
    return n;
}

} // namespace multios::net
