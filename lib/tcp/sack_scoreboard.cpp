#include "tcp/sack_scoreboard.hpp"

#include <algorithm>

namespace multios::net::tcp {

namespace {

constexpr std::uint32_t kHalfSpace = 0x80000000u;

/// Wrap-aware: does `outer` contain `inner` (both non-empty, half-open)?
bool contains(std::uint32_t outer_left, std::uint32_t outer_right, std::uint32_t inner_left,
              std::uint32_t inner_right) {
    const std::uint32_t l = inner_left - outer_left;
    const std::uint32_t r = inner_right - outer_left;
    return l < r && r <= outer_right - outer_left;
}

bool lost_by(unsigned ranges_above, std::uint64_t bytes_above, unsigned dupthresh,
             std::uint32_t smss) {
    // RFC 6675 2, IsLost: "DupThresh discontiguous SACKed sequences" above, or "more than
    // (DupThresh - 1) * SMSS bytes" SACKed above.
    const std::uint64_t byte_limit = std::uint64_t{dupthresh > 0 ? dupthresh - 1 : 0} * smss;
    return ranges_above >= dupthresh || bytes_above > byte_limit;
}

} // namespace

void SackScoreboard::reset() {
    count_ = 0;
    sacked_bytes_ = 0;
}

std::uint32_t SackScoreboard::highest_sacked() const {
    return count_ > 0 ? ranges_[count_ - 1].right : snd_una_;
}

void SackScoreboard::erase(unsigned index) {
    sacked_bytes_ -= ranges_[index].length();
    std::copy(ranges_.begin() + index + 1, ranges_.begin() + count_, ranges_.begin() + index);
    --count_;
}

void SackScoreboard::advance_una(std::uint32_t snd_una) {
    if (count_ == 0) {
        snd_una_ = snd_una;
        return;
    }
    const std::uint32_t step = off(snd_una_, snd_una);
    if (step == 0 || step >= kHalfSpace) {
        return; // An old cumulative ACK never moves SND.UNA backwards.
    }
    while (count_ > 0 && off(snd_una_, ranges_[0].right) <= step) {
        erase(0);
    }
    if (count_ > 0 && off(snd_una_, ranges_[0].left) < step) {
        sacked_bytes_ -= off(ranges_[0].left, snd_una);
        ranges_[0].left = snd_una;
    }
    snd_una_ = snd_una;
}

bool SackScoreboard::valid(const wire::SackBlock& block, std::uint32_t snd_max) const {
    // Only [snd_una, snd_max] can have been received; anything else is stale or forged.
    const std::uint32_t lo = off(snd_una_, block.left);
    const std::uint32_t hi = off(snd_una_, block.right);
    const std::uint32_t max_off = off(snd_una_, snd_max);
    return lo < hi && hi <= max_off && max_off < kHalfSpace;
}

bool SackScoreboard::is_dsack(std::span<const wire::SackBlock> blocks,
                              std::uint32_t snd_max) const {
    const wire::SackBlock& first = blocks[0];
    const std::uint32_t len = first.right - first.left;
    if (len == 0 || len >= kHalfSpace) {
        return false;
    }
    // RFC 2883 4: the first block reports a duplicate when it is below the cumulative ACK ...
    if (static_cast<std::int32_t>(first.right - snd_una_) <= 0) {
        return true;
    }
    // ... or covered by the second block (a duplicate above the cumulative ACK, 4.1.2) ...
    // (the second block itself must be plausible: inside [snd_una, snd_max]) ...
    if (blocks.size() >= 2 && valid(blocks[1], snd_max) &&
        contains(blocks[1].left, blocks[1].right, first.left, first.right)) {
        return true;
    }
    // ... or (a receiver with room for one block) strictly inside a range SACKed already. An
    // exact repeat of a stored range is just the receiver repeating its SACK (RFC 2018 4).
    for (unsigned i = 0; i < count_; ++i) {
        const SeqRange& r = ranges_[i];
        if (contains(r.left, r.right, first.left, first.right) &&
            !(r.left == first.left && r.right == first.right)) {
            return true;
        }
    }
    return false;
}

std::uint32_t SackScoreboard::insert(SeqRange r) {
    std::uint32_t lo = off(snd_una_, r.left);
    std::uint32_t hi = off(snd_una_, r.right);
    unsigned i = 0;
    while (i < count_ && off(snd_una_, ranges_[i].right) < lo) {
        ++i;
    }
    unsigned j = i;
    std::uint32_t covered = 0;
    while (j < count_ && off(snd_una_, ranges_[j].left) <= hi) {
        lo = std::min(lo, off(snd_una_, ranges_[j].left));
        hi = std::max(hi, off(snd_una_, ranges_[j].right));
        covered += ranges_[j].length();
        ++j;
    }
    const SeqRange merged{snd_una_ + lo, snd_una_ + hi};
    const std::uint32_t newly = (hi - lo) - covered;
    if (j > i) {
        // Replace ranges [i, j) by the merged one.
        ranges_[i] = merged;
        std::copy(ranges_.begin() + j, ranges_.begin() + count_, ranges_.begin() + i + 1);
        count_ -= j - i - 1;
        sacked_bytes_ += newly;
        return newly;
    }
    if (count_ == kMaxRanges) {
        if (i == count_) {
            return 0; // Full, and the new range is the highest: forget it.
        }
        erase(count_ - 1); // Forget the highest range instead.
    }
    std::copy_backward(ranges_.begin() + i, ranges_.begin() + count_, ranges_.begin() + count_ + 1);
    ranges_[i] = merged;
    ++count_;
    sacked_bytes_ += newly;
    return newly;
}

SackUpdateResult SackScoreboard::update(std::uint32_t snd_una, std::uint32_t snd_max,
                                        std::span<const wire::SackBlock> blocks) {
    SackUpdateResult result;
    advance_una(snd_una);
    if (blocks.empty()) {
        return result;
    }
    std::size_t first = 0;
    if (is_dsack(blocks, snd_max)) {
        result.dsack = SeqRange{blocks[0].left, blocks[0].right};
        first = 1;
    }
    for (std::size_t b = first; b < blocks.size(); ++b) {
        if (!valid(blocks[b], snd_max)) {
            ++result.ignored;
            continue;
        }
        result.newly_sacked += insert(SeqRange{blocks[b].left, blocks[b].right});
    }
    return result;
}

bool SackScoreboard::is_lost(std::uint32_t seq, unsigned dupthresh, std::uint32_t smss) const {
    const std::uint32_t s = off(snd_una_, seq);
    if (s >= kHalfSpace) {
        return false; // Cumulatively acknowledged already.
    }
    unsigned ranges_above = 0;
    std::uint64_t bytes_above = 0;
    for (unsigned i = 0; i < count_; ++i) {
        const SeqRange& r = ranges_[i];
        if (off(snd_una_, r.left) > s) {
            ++ranges_above;
            bytes_above += r.length();
        } else if (off(snd_una_, r.right) > s) {
            return false; // SACKed itself.
        }
    }
    return lost_by(ranges_above, bytes_above, dupthresh, smss);
}

std::uint32_t SackScoreboard::pipe(std::uint32_t snd_una, std::uint32_t snd_max,
                                   std::uint32_t high_rxt, std::uint32_t smss,
                                   unsigned dupthresh) const {
    // Work in offsets from snd_una; ranges outside [snd_una, snd_max] are clipped away.
    const std::uint32_t max_off = off(snd_una, snd_max);
    if (max_off >= kHalfSpace) {
        return 0;
    }
    const std::uint32_t rxt_off = std::min(off(snd_una, high_rxt), max_off);
    std::uint32_t pipe = 0;
    unsigned ranges_above = 0;
    std::uint64_t bytes_above = 0;
    // Every octet of a hole sees the same SACKed data above it, so IsLost is constant across the
    // hole: RFC 6675 SetPipe is evaluated per hole instead of per octet.
    const auto account_hole = [&](std::uint32_t start, std::uint32_t end) {
        if (end <= start) {
            return;
        }
        // (a) "If IsLost (S1) returns false": the original may still be in the network.
        if (!lost_by(ranges_above, bytes_above, dupthresh, smss)) {
            pipe += end - start;
        }
        // (b) "If S1 <= HighRxt": a retransmission of it is in the network.
        if (rxt_off > start) {
            pipe += std::min(rxt_off, end) - start;
        }
    };
    std::uint32_t hole_end = max_off;
    for (unsigned k = count_; k-- > 0;) {
        std::uint32_t l = off(snd_una, ranges_[k].left);
        const std::uint32_t r = off(snd_una, ranges_[k].right);
        if (r == 0 || r > hole_end) {
            continue; // Below snd_una or above snd_max: not part of this window.
        }
        l = l < kHalfSpace ? l : 0;
        account_hole(r, hole_end);
        ++ranges_above;
        bytes_above += r - l;
        hole_end = l;
    }
    account_hole(0, hole_end);
    return pipe;
}

std::optional<NextSegment> SackScoreboard::next_seg(std::uint32_t snd_una, std::uint32_t snd_max,
                                                    std::uint32_t high_rxt, std::uint32_t smss,
                                                    std::uint32_t new_data_allowed,
                                                    unsigned dupthresh) const {
    if (smss == 0) {
        return std::nullopt;
    }
    const std::uint32_t rxt_off = off(snd_una, high_rxt) < kHalfSpace ? off(snd_una, high_rxt) : 0;
    unsigned ranges_above = count_;
    std::uint64_t bytes_above = sacked_bytes_;
    std::optional<NextSegment> rule3;
    // Holes below the highest SACKed octet (RFC 6675 4, criterion 1.b), in ascending order.
    std::uint32_t hole_start = 0;
    for (unsigned i = 0; i < count_; ++i) {
        const std::uint32_t l = off(snd_una, ranges_[i].left);
        const std::uint32_t r = off(snd_una, ranges_[i].right);
        const std::uint32_t start = std::max(hole_start, rxt_off); // 1.a: above HighRxt.
        if (l < kHalfSpace && start < l) {
            const std::uint32_t len = std::min(smss, l - start);
            const SeqRange seg{snd_una + start, snd_una + start + len};
            if (lost_by(ranges_above, bytes_above, dupthresh, smss)) {
                return NextSegment{seg, NextSegment::Rule::kLostRetransmit}; // Rule 1.
            }
            if (!rule3) {
                rule3 = NextSegment{seg, NextSegment::Rule::kHoleRetransmit};
            }
        }
        --ranges_above;
        bytes_above -= ranges_[i].length();
        hole_start = std::max(hole_start, r < kHalfSpace ? r : 0);
    }
    // Rule 2: new data the window and the send buffer allow.
    if (new_data_allowed > 0) {
        const std::uint32_t len = std::min(smss, new_data_allowed);
        return NextSegment{SeqRange{snd_max, snd_max + len}, NextSegment::Rule::kNewData};
    }
    return rule3; // Rule 3 (or nothing).
}

} // namespace multios::net::tcp
