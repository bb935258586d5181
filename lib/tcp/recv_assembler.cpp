#include "tcp/recv_assembler.hpp"

#include <algorithm>
#include <limits>

namespace multios::net::tcp {

RecvAssembler::RecvAssembler(std::size_t capacity, std::size_t max_ranges)
    : storage_(std::min(capacity, kMaxCapacity)),
      max_ranges_(std::max<std::size_t>(max_ranges, 1)) {}

void RecvAssembler::init(SeqNum irs_plus_one) {
    range_count_ = 0;
    head_ = 0;
    read_seq_ = irs_plus_one;
    rcv_nxt_ = irs_plus_one;
    stamp_ = 0;
    counters_ = {};
}

std::size_t RecvAssembler::ring_index(std::size_t offset) const {
    // head_ < capacity and offset <= capacity: one subtraction wraps it.
    const std::size_t i = head_ + offset;
    return i >= storage_.size() ? i - storage_.size() : i;
}

void RecvAssembler::copy_in(SeqNum seq, std::span<const std::byte> data) {
    const std::size_t pos = ring_index(seq_distance(read_seq_, seq));
    const std::size_t first = std::min(data.size(), storage_.size() - pos);
    std::byte* ring = storage_.writable(); // allocates on the first byte received only
    std::copy_n(data.begin(), first, ring + pos);
    std::copy(data.begin() + static_cast<std::ptrdiff_t>(first), data.end(), ring);
}

std::size_t RecvAssembler::store_gaps(SeqNum seq, std::span<const std::byte> data,
                                      std::size_t first, std::size_t last) {
    // Offsets from RCV.NXT: every byte involved is inside the window, so they never wrap.
    const std::size_t base = seq_distance(rcv_nxt_, seq);
    const std::size_t stop = base + data.size();
    std::size_t cur = base;
    std::size_t stored = 0;
    const auto store = [&](std::size_t from, std::size_t to) {
        copy_in(rcv_nxt_ + static_cast<std::uint32_t>(from), data.subspan(from - base, to - from));
        stored += to - from;
    };
    for (std::size_t k = first; k < last && cur < stop; ++k) {
        const std::size_t left = seq_distance(rcv_nxt_, ranges_[k].left);
        // RFC 9293 3.10.7.4 lets us keep either copy of overlapping bytes; we keep the one
        // already held, so a retransmission cannot rewrite data we have acknowledged via SACK.
        if (left > cur)
            store(cur, std::min(left, stop));
        cur = std::max(cur, left + ranges_[k].len);
    }
    if (cur < stop)
        store(cur, stop);
    return stored;
}

void RecvAssembler::erase_ranges(std::size_t first, std::size_t last) {
    if (first >= last)
        return;
    const auto b = ranges_.begin();
    std::move(b + static_cast<std::ptrdiff_t>(last), b + static_cast<std::ptrdiff_t>(range_count_),
              b + static_cast<std::ptrdiff_t>(first));
    range_count_ -= last - first;
}

void RecvAssembler::absorb_contiguous_ranges() {
    std::size_t k = 0;
    while (k < range_count_ && ranges_[k].left <= rcv_nxt_) {
        rcv_nxt_ = seq_max(rcv_nxt_, ranges_[k].right());
        ++k;
    }
    erase_ranges(0, k);
}

std::size_t RecvAssembler::insert(SeqNum seq, std::span<const std::byte> data) {
    if (data.empty())
        return 0;
    // RFC 9293 3.10.7.4: "If a segment's contents straddle the boundary between old and new,
    // only the new parts are processed." Old bytes are duplicates of what we acknowledged.
    const std::int32_t old = seq_signed_distance(seq, rcv_nxt_);
    if (old > 0) {
        const std::size_t cut = std::min(static_cast<std::size_t>(old), data.size());
        counters_.duplicate_bytes += cut;
        data = data.subspan(cut);
        seq = rcv_nxt_;
        if (data.empty())
            return 0;
    }
    // Bytes beyond the right edge (read position + capacity) have no room in the ring: trim
    // them (RFC 9293 3.10.7.4 keeps only the part inside the receive window).
    const std::size_t offset = seq_distance(rcv_nxt_, seq);
    const std::size_t win = window();
    if (offset >= win) {
        counters_.out_of_window_bytes += data.size();
        return 0;
    }
    if (data.size() > win - offset) {
        counters_.out_of_window_bytes += data.size() - (win - offset);
        data = data.first(win - offset);
    }
    return offset == 0 ? insert_in_order(data) : insert_out_of_order(seq, data);
}

std::size_t RecvAssembler::insert_in_order(std::span<const std::byte> data) {
    const SeqNum end = rcv_nxt_ + static_cast<std::uint32_t>(data.size());
    std::size_t touching = 0;
    while (touching < range_count_ && ranges_[touching].left <= end)
        ++touching;
    const std::size_t stored = store_gaps(rcv_nxt_, data, 0, touching);
    counters_.duplicate_bytes += data.size() - stored;
    ++stamp_;
    rcv_nxt_ = end;
    absorb_contiguous_ranges();
    return stored;
}

std::size_t RecvAssembler::insert_out_of_order(SeqNum seq, std::span<const std::byte> data) {
    const SeqNum end = seq + static_cast<std::uint32_t>(data.size());
    // Ranges [first, last) overlap or touch [seq, end]: they all merge into one.
    std::size_t first = 0;
    while (first < range_count_ && ranges_[first].right() < seq)
        ++first;
    std::size_t last = first;
    while (last < range_count_ && ranges_[last].left <= end)
        ++last;
    if (first == last && range_count_ == max_ranges_) {
        // HARDENING row 19 (SegmentSmack): a full table takes no new island. A segment at
        // RCV.NXT never comes here, so the hole blocking delivery can always be filled.
        ++counters_.range_table_full_drops;
        return 0;
    }
    if (ranges_.empty())
        ranges_.resize(max_ranges_); // the first out-of-order segment ever: once per connection
    const std::size_t stored = store_gaps(seq, data, first, last);
    counters_.duplicate_bytes += data.size() - stored;
    Range merged{seq, 0, ++stamp_};
    SeqNum right = end;
    if (first < last) {
        merged.left = seq_min(seq, ranges_[first].left);
        right = seq_max(end, ranges_[last - 1].right());
        erase_ranges(first + 1, last);
    } else {
        const auto b = ranges_.begin();
        std::move_backward(b + static_cast<std::ptrdiff_t>(first),
                           b + static_cast<std::ptrdiff_t>(range_count_),
                           b + static_cast<std::ptrdiff_t>(range_count_ + 1));
        ++range_count_;
    }
    merged.len = seq_distance(merged.left, right);
    ranges_[first] = merged;
    return stored;
}

std::size_t RecvAssembler::read(std::span<std::byte> out) {
    const std::size_t n = std::min(out.size(), readable());
    if (n == 0)
        return 0;
    const std::size_t first = std::min(n, storage_.size() - head_);
    const std::byte* b = storage_.data(); // n > 0: bytes were stored, so it is allocated
    std::copy_n(b + head_, first, out.begin());
    std::copy_n(b, n - first, out.begin() + static_cast<std::ptrdiff_t>(first));
    head_ = ring_index(n);
    read_seq_ += static_cast<std::uint32_t>(n);
    return n;
}

std::size_t RecvAssembler::ooo_bytes() const {
    std::size_t total = 0;
    for (std::size_t k = 0; k < range_count_; ++k)
        total += ranges_[k].len;
    return total;
}

std::size_t RecvAssembler::sack_blocks(std::span<SackBlock> out) const {
    // RFC 2018 4: "The first SACK block ... MUST specify the contiguous block of data
    // containing the segment which triggered this ACK", then the most recently reported ones.
    // Stamps are unique (each accepted out-of-order segment makes exactly one range newest),
    // so repeatedly picking the newest stamp below the previous pick orders them.
    const std::size_t n = std::min(out.size(), range_count_);
    std::uint64_t below = std::numeric_limits<std::uint64_t>::max();
    for (std::size_t k = 0; k < n; ++k) {
        const Range* best = nullptr;
        for (std::size_t r = 0; r < range_count_; ++r) {
            const Range& c = ranges_[r];
            if (c.stamp < below && (best == nullptr || c.stamp > best->stamp))
                best = &c;
        }
        out[k] = SackBlock{best->left.value(), best->right().value()};
        below = best->stamp;
    }
    return n;
}

} // namespace multios::net::tcp
