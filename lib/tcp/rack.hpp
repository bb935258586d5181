// RACK loss detection (RFC 8985 section 6): a segment is lost when a segment sent after it has
// been delivered (cumulatively ACKed or SACKed) and more than one RTT plus a reordering window
// has passed since it was sent. Time-based, so it also detects lost retransmissions and losses
// at the tail that three duplicate ACKs never reveal. TLP (section 7) lives in the connection.
//
// Keeps one record per transmitted segment in sequence order, in a ring; records below SND.UNA
// are dropped on every ACK, so the ring holds about one flight. It is allocated by the first
// segment sent (an idle connection holds none) with kInitialRecords and doubles whenever a
// flight outgrows it, up to the `max_records` bound: at most log2(max / initial) allocations in
// a connection's life, each when the flight reaches a new high, never per segment in a steady
// state; a connection with small flights (request/response) keeps a small ring. When the ring
// is at its bound and full, new segments go unrecorded (RACK then cannot judge them and the
// RFC 6675 DupThresh rule and the RTO still do).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <multios/net/time.hpp>

#include "tcp/sack_scoreboard.hpp"
#include "tcp/seq.hpp"

namespace multios::net::tcp {

class Rack {
  public:
    /// Records first allocated by a ring of the first segment sent.
    static constexpr std::size_t kInitialRecords = 16;

    /// Holds at most max(max_records, kInitialRecords) records; allocates nothing yet.
    explicit Rack(std::size_t max_records);

    /// A segment [seq, seq + len) left at `now`. Beyond the highest recorded sequence it is new
    /// data; otherwise a retransmission of the records it overlaps.
    void on_transmit(SeqNum seq, std::uint32_t len, Instant now);
    /// RFC 8985 6.2 steps 1-3 for one ACK: every record newly covered by SND.UNA or a SACKed
    /// range updates RACK.xmit_ts / end_seq / rtt (skipping ambiguous retransmissions, step 2)
    /// and marks reordering when it was sent before an already delivered one.
    void on_ack(SeqNum snd_una, std::span<const SeqRange> sacked, Instant now, Duration min_rtt);
    /// RTT of the most recently sent segment that the last on_ack() delivered and that was
    /// never retransmitted (so Karn's rule holds), measured with the caller's clock rather
    /// than the millisecond timestamp clock; nullopt when there is none. Cleared by on_ack().
    std::optional<Duration> ack_rtt() const { return ack_rtt_; }
    /// RFC 8985 6.2 step 5 (RACK_detect_loss): marks records lost; returns when the reordering
    /// timer must fire for records not yet expired, or kNever.
    Instant detect_loss(Instant now, Duration reo_wnd);
    /// The lowest record judged lost and not retransmitted since.
    std::optional<SeqRange> next_lost() const;
    std::size_t lost_count() const;
    bool reordering_seen() const { return reordering_seen_; }
    /// RFC 8985 6.2 step 4: a D-SACK says a retransmission was spurious, so the reordering
    /// window grows by one min_RTT/4 step and keeps that size for 16 recoveries.
    void on_dsack();
    /// A loss recovery started: counts down the D-SACK-widened window's lifetime.
    void on_recovery();
    /// min_RTT / 4 times the current multiplier (the caller caps it at SRTT).
    Duration reo_wnd(Duration min_rtt) const { return min_rtt / 4 * reo_wnd_mult_; }
    bool has_rtt() const { return has_rtt_; }
    Duration rtt() const { return rtt_; }
    std::size_t size() const { return count_; }
    /// Records the ring has room for now (0 before the first segment) and at most.
    std::size_t capacity() const { return ring_.size(); }
    std::size_t max_records() const { return max_records_; }
    /// Frees the ring when it holds no record (nothing in flight); the next segment sent
    /// allocates it again. For a connection that will send no more (TIME-WAIT).
    void release_if_empty();

  private:
    struct Record {
        std::uint32_t seq = 0;
        std::uint32_t end = 0;
        Instant xmit{};
        bool retransmitted = false;
        bool delivered = false;
        bool lost = false;
    };
    Record& at(std::size_t i) { return ring_[(head_ + i) % ring_.size()]; }
    const Record& at(std::size_t i) const { return ring_[(head_ + i) % ring_.size()]; }
    void deliver(Record& r, Instant now, Duration min_rtt);
    /// The ring is full: allocates or doubles it (records kept in order) unless it is at
    /// max_records_. False when it is at its bound.
    bool make_room();
    /// RFC 8985 6.2 "RACK_sent_after".
    bool sent_after(Instant t1, std::uint32_t seq1, Instant t2, std::uint32_t seq2) const;

    std::vector<Record> ring_; ///< Empty until the first segment is sent.
    std::size_t max_records_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
    Instant rack_xmit_{};
    std::uint32_t rack_end_ = 0;
    Duration rtt_{0};
    bool has_rtt_ = false;
    bool reordering_seen_ = false;
    std::uint32_t fack_ = 0; ///< Highest end of a delivered record (RFC 8985 RACK.fack).
    bool has_fack_ = false;
    std::optional<Duration> ack_rtt_;
    unsigned reo_wnd_mult_ = 1;
    unsigned reo_wnd_persist_ = 0;
    Instant ack_rtt_xmit_{};
};

} // namespace multios::net::tcp
