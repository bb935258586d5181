// TCP receive-side reassembly: in-order delivery plus bounded out-of-order holding, and the
// RFC 2018 SACK blocks describing what is held. Read first: RFC 9293 3.10.7.4 (segment text
// processing: "ideally, segments are delivered in order"; overlaps are trimmed), RFC 2018 4
// (SACK block generation) and HARDENING.md row 19 (SegmentSmack, CVE-2018-5390).
//
// Sequence space, all anchored at the application's read position R:
//
//      R (read_seq)            RCV.NXT                                     R + capacity
//      |--- delivered, unread --|--- holes and out-of-order ranges ---------|
//      |<------ readable() ---->|<--------------- window() ---------------->|
//
// One byte ring of `capacity` bytes, allocated by the first insert that stores a byte (an idle
// connection holds none, tcp/byte_storage.hpp), holds everything: byte s lives
// at ring offset (s - R). RCV.NXT advances as soon as data becomes contiguous, so readable()
// bytes need nothing but the ring. Out-of-order bytes sit at their final place in the ring and
// are tracked by at most `max_ranges` disjoint, non-adjacent ranges.
//
// Bounds (row 19): held bytes never exceed the capacity (anything beyond R + capacity is trimmed)
// and the range table never exceeds `max_ranges`; a segment that would need a new range while the
// table is full is dropped and counted, unless it starts at RCV.NXT (it then only ever shrinks
// the table). Every insert costs O(max_ranges + segment bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <multios/net/wire/tcp.hpp>

#include "tcp/byte_storage.hpp"
#include "tcp/seq.hpp"

namespace multios::net::tcp {

using wire::SackBlock;

/// Why bytes or segments were not accepted. Cumulative since the last init().
struct RecvAssemblerCounters {
    std::uint64_t out_of_window_bytes = 0;    ///< Trimmed because beyond R + capacity.
    std::uint64_t duplicate_bytes = 0;        ///< Before RCV.NXT, or already held out of order.
    std::uint64_t range_table_full_drops = 0; ///< Segments dropped: no free range slot.
};

class RecvAssembler {
  public:
    /// Largest capacity: the receive window can never exceed 2^30 (RFC 7323 2.3).
    static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;
    static constexpr std::size_t kDefaultMaxRanges = 64;

    /// A ring of `capacity` bytes (clamped to kMaxCapacity) and `max_ranges` range slots (at
    /// least 1), each allocated once when first needed: the ring by the first byte stored, the
    /// range table by the first out-of-order segment. RCV.NXT starts at 0 until init().
    explicit RecvAssembler(std::size_t capacity, std::size_t max_ranges = kDefaultMaxRanges);

    /// Starts a connection: RCV.NXT = read position = IRS + 1; drops everything held and
    /// resets the counters.
    void init(SeqNum irs_plus_one);

    /// Stores the payload of a segment starting at `seq`. Bytes before RCV.NXT and beyond
    /// read position + capacity are trimmed (and counted); the rest is stored at its place,
    /// merged with adjacent or overlapping ranges, and RCV.NXT advances over whatever became
    /// contiguous. Returns the bytes newly accepted (not counting bytes already held). The
    /// caller has already checked segment acceptability (RFC 9293 3.10.7.4); this only keeps
    /// memory and the range table bounded whatever it is given.
    std::size_t insert(SeqNum seq, std::span<const std::byte> data);

    /// Consumes up to out.size() in-order bytes for the application; returns the count. This
    /// is what opens the window.
    std::size_t read(std::span<std::byte> out);

    /// First sequence number not yet received in order: the ACK field.
    SeqNum rcv_nxt() const { return rcv_nxt_; }
    /// Sequence number of the next byte read() returns.
    SeqNum read_seq() const { return read_seq_; }
    /// In-order bytes received and not yet read: rcv_nxt() - read_seq().
    std::size_t readable() const { return seq_distance(read_seq_, rcv_nxt_); }
    /// Bytes acceptable from RCV.NXT on: capacity - readable(). Out-of-order data already held
    /// inside it does not shrink it (RFC 9293 3.8.6.2.2 discourages shrinking the right edge),
    /// so the right edge read_seq() + capacity only ever moves forward. Silly-window avoidance
    /// and auto-tuning (advertising less) are the state machine's.
    std::size_t window() const { return storage_.size() - readable(); }
    std::size_t capacity() const { return storage_.size(); }

    /// Writes the SACK blocks for the next ACK into `out` (at most out.size()), RFC 2018 4
    /// order: the range holding the most recently received segment first, then the other
    /// ranges from most to least recently updated. Returns the number written.
    std::size_t sack_blocks(std::span<SackBlock> out) const;

    /// Out-of-order ranges held (each a run of bytes after a hole).
    std::size_t ooo_range_count() const { return range_count_; }
    /// Out-of-order bytes held.
    std::size_t ooo_bytes() const;
    std::size_t max_ranges() const { return max_ranges_; }
    /// The byte ring is allocated (for tests and memory accounting).
    bool allocated() const { return storage_.allocated(); }

    const RecvAssemblerCounters& counters() const { return counters_; }

  private:
    /// An out-of-order run [left, left + len): never empty, never touching another range or
    /// RCV.NXT (those merge).
    struct Range {
        SeqNum left;
        std::uint32_t len = 0;
        std::uint64_t stamp = 0; ///< Insert serial of the latest segment landing in it.
        SeqNum right() const { return left + len; }
    };

    /// Ring index of the byte `offset` bytes after read_seq() (offset < capacity).
    std::size_t ring_index(std::size_t offset) const;
    /// Copies the parts of `data` (starting at sequence `seq`) that no range covers into the
    /// ring; returns how many bytes that was. Ranges [first, last) are those it can touch.
    std::size_t store_gaps(SeqNum seq, std::span<const std::byte> data, std::size_t first,
                           std::size_t last);
    void copy_in(SeqNum seq, std::span<const std::byte> data);
    std::size_t insert_in_order(std::span<const std::byte> data);
    std::size_t insert_out_of_order(SeqNum seq, std::span<const std::byte> data);
    /// Moves RCV.NXT over every range that now starts at or before it.
    void absorb_contiguous_ranges();
    void erase_ranges(std::size_t first, std::size_t last);

    ByteStorage storage_;
    /// Sorted by left; only [0, range_count_) in use. Empty until the first out-of-order
    /// segment, then max_ranges_ slots for good.
    std::vector<Range> ranges_;
    std::size_t max_ranges_;
    std::size_t range_count_ = 0;
    std::size_t head_ = 0; ///< Ring index of read_seq_.
    SeqNum read_seq_{};
    SeqNum rcv_nxt_{};
    std::uint64_t stamp_ = 0;
    RecvAssemblerCounters counters_{};
};

} // namespace multios::net::tcp
