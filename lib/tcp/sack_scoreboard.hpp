// Sender-side SACK scoreboard (RFC 6675 "conservative loss recovery", RFC 2018 SACK blocks,
// RFC 2883 D-SACK). Read RFC 6675 sections 2-4 first. Holds the SACKed ranges above SND.UNA in a
// fixed array (bounded memory: a peer cannot make it grow); answers IsLost, SetPipe and NextSeg.
//
// Sequence convention: every range is half-open [left, right) in 32-bit sequence space and all
// comparisons are wrap-aware relative to SND.UNA. RFC 6675's "HighRxt" and "HighData" are passed
// as exclusive ends: high_rxt is one past the last retransmitted octet (== snd_una when nothing
// was retransmitted), snd_max is one past the highest octet ever sent.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include <multios/net/wire/tcp.hpp>

namespace multios::net::tcp {

struct SeqRange {
    std::uint32_t left = 0;  ///< First octet.
    std::uint32_t right = 0; ///< One past the last octet.
    std::uint32_t length() const { return right - left; }
    friend bool operator==(const SeqRange&, const SeqRange&) = default;
};

/// What one update() learned.
struct SackUpdateResult {
    std::uint32_t newly_sacked = 0; ///< Octets not SACKed before this update.
    std::optional<SeqRange> dsack;  ///< RFC 2883 duplicate report (never stored).
    unsigned ignored = 0;           ///< Blocks dropped as invalid (outside [snd_una, snd_max]).
};

/// A segment NextSeg chose (RFC 6675 4).
struct NextSegment {
    enum class Rule : std::uint8_t {
        kLostRetransmit = 1, ///< Rule 1: the first hole judged lost above HighRxt.
        kNewData = 2,        ///< Rule 2: previously unsent data.
        kHoleRetransmit = 3, ///< Rule 3: a hole above HighRxt not (yet) judged lost.
    };
    SeqRange range;
    Rule rule = Rule::kLostRetransmit;
};

class SackScoreboard {
  public:
    static constexpr unsigned kMaxRanges = 32;
    static constexpr unsigned kDefaultDupThresh = 3; ///< RFC 6675 2 "DupThresh".

    /// Applies the cumulative ACK `snd_una` (forgetting ranges below it) and the SACK blocks of
    /// one incoming segment. Blocks must lie within [snd_una, snd_max] and be non-empty, else they
    /// are ignored (a forged block cannot mark unsent data as received; HARDENING.md row 6). The
    /// first block is a D-SACK (RFC 2883 4) when it lies below snd_una, is covered by the second
    /// block, or falls strictly inside a range SACKed already; it is reported, not stored. When
    /// the array is full the highest range is forgotten (only costs a needless retransmission).
    SackUpdateResult update(std::uint32_t snd_una, std::uint32_t snd_max,
                            std::span<const wire::SackBlock> blocks);

    /// RFC 6675 IsLost(seq): true when DupThresh discontiguous SACKed ranges lie above `seq`, or
    /// more than (DupThresh-1)*SMSS octets above it are SACKed. An octet SACKed itself is not lost.
    bool is_lost(std::uint32_t seq, unsigned dupthresh, std::uint32_t smss) const;
    bool is_lost(std::uint32_t seq, std::uint32_t smss) const {
        return is_lost(seq, kDefaultDupThresh, smss);
    }
    /// RFC 6675 SetPipe, in octets: unSACKed octets in [snd_una, snd_max) not judged lost, plus
    /// unSACKed octets in [snd_una, high_rxt) (retransmissions still in flight). Cost O(ranges).
    std::uint32_t pipe(std::uint32_t snd_una, std::uint32_t snd_max, std::uint32_t high_rxt,
                       std::uint32_t smss, unsigned dupthresh = kDefaultDupThresh) const;
    /// RFC 6675 NextSeg rules 1-3 (rule 4, rescue retransmission, is the caller's option).
    /// `new_data_allowed` is how many unsent octets the send buffer and the peer's window allow.
    std::optional<NextSegment> next_seg(std::uint32_t snd_una, std::uint32_t snd_max,
                                        std::uint32_t high_rxt, std::uint32_t smss,
                                        std::uint32_t new_data_allowed,
                                        unsigned dupthresh = kDefaultDupThresh) const;

    /// Octets SACKed above SND.UNA.
    std::uint32_t sacked_bytes() const { return sacked_bytes_; }
    /// One past the highest SACKed octet; SND.UNA when nothing is SACKed.
    std::uint32_t highest_sacked() const;
    bool empty() const { return count_ == 0; }
    unsigned range_count() const { return count_; }
    /// The stored ranges in ascending order.
    std::span<const SeqRange> ranges() const { return {ranges_.data(), count_}; }
    /// RFC 6675 5.1: after an RTO the scoreboard is cleared (reneging is possible).
    void reset();

  private:
    /// Wrap-aware distance of `seq` above the reference point `una`.
    static std::uint32_t off(std::uint32_t una, std::uint32_t seq) { return seq - una; }
    void advance_una(std::uint32_t snd_una);
    bool valid(const wire::SackBlock& block, std::uint32_t snd_max) const;
    bool is_dsack(std::span<const wire::SackBlock> blocks, std::uint32_t snd_max) const;
    std::uint32_t insert(SeqRange r);
    void erase(unsigned index);
    /// Count of ranges and SACKed octets strictly above the hole that ends at ranges_[index].
    void above(unsigned index, unsigned& ranges, std::uint32_t& bytes) const;
    bool hole_lost(unsigned index, unsigned dupthresh, std::uint32_t smss) const;

    std::array<SeqRange, kMaxRanges> ranges_{};
    unsigned count_ = 0;
    std::uint32_t snd_una_ = 0; ///< Reference point for ordering the ranges.
    std::uint32_t sacked_bytes_ = 0;
};

} // namespace multios::net::tcp
