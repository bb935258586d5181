// RACK loss detection, RFC 8985 section 6. See rack.hpp.
#include "tcp/rack.hpp"

#include <algorithm>

namespace multios::net::tcp {

namespace {

bool seq_lt(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b) < 0;
}
bool seq_le(std::uint32_t a, std::uint32_t b) {
    return static_cast<std::int32_t>(a - b) <= 0;
}

} // namespace

Rack::Rack(std::size_t max_records)
    : max_records_(std::max<std::size_t>(max_records, kInitialRecords)) {}

bool Rack::make_room() {
    if (ring_.size() == max_records_)
        return false;
    // Grows with the largest flight so far (a one-time allocation per doubling, bounded by
    // max_records_): an idle connection holds no ring, a request/response one a small one.
    const std::size_t grown =
        ring_.empty() ? kInitialRecords : std::min(ring_.size() * 2, max_records_);
    std::vector<Record> bigger(grown);
    for (std::size_t i = 0; i < count_; ++i)
        bigger[i] = at(i);
    ring_.swap(bigger);
    head_ = 0;
    return true;
}

void Rack::release_if_empty() {
    if (count_ != 0)
        return;
    std::vector<Record>().swap(ring_);
    head_ = 0;
}

void Rack::on_transmit(SeqNum seq, std::uint32_t len, Instant now) {
    if (len == 0)
        return;
    const std::uint32_t s = seq.value();
    const std::uint32_t e = s + len;
    if (count_ == 0 || seq_le(at(count_ - 1).end, s)) {
        if (count_ == ring_.size() && !make_room())
            return; // full at its bound: this segment goes unjudged by RACK
        Record& r = at(count_++);
        r = Record{s, e, now, false, false, false};
        return;
    }
    // A retransmission: every record it overlaps was just sent again.
    for (std::size_t i = 0; i < count_; ++i) {
        Record& r = at(i);
        if (seq_le(e, r.seq))
            break;
        if (seq_le(r.end, s) || r.delivered)
            continue;
        r.xmit = now;
        r.retransmitted = true;
        r.lost = false;
    }
}

bool Rack::sent_after(Instant t1, std::uint32_t seq1, Instant t2, std::uint32_t seq2) const {
    return t1 > t2 || (t1 == t2 && seq_lt(seq2, seq1));
}

void Rack::deliver(Record& r, Instant now, Duration min_rtt) {
    r.delivered = true;
    r.lost = false;
    const Duration rtt = now - r.xmit;
    if (!r.retransmitted && (!ack_rtt_ || r.xmit > ack_rtt_xmit_)) {
        ack_rtt_ = rtt;
        ack_rtt_xmit_ = r.xmit;
    }
    // RFC 8985 6.2 step 2: an ACK that may be for the original transmission of a retransmitted
    // segment (RTT shorter than the minimum ever seen) says nothing about this transmission.
    if (r.retransmitted && min_rtt != Duration::max() && rtt < min_rtt)
        return;
    if (!has_rtt_ || sent_after(r.xmit, r.end, rack_xmit_, rack_end_)) {
        rack_xmit_ = r.xmit;
        rack_end_ = r.end;
    }
    rtt_ = rtt;
    has_rtt_ = true;
    // RFC 8985 6.2 step 3: delivered below a segment delivered earlier, never retransmitted:
    // the network reordered.
    if (has_fack_ && seq_lt(r.end, fack_) && !r.retransmitted)
        reordering_seen_ = true;
    if (!has_fack_ || seq_lt(fack_, r.end)) {
        fack_ = r.end;
        has_fack_ = true;
    }
}

void Rack::on_ack(SeqNum snd_una, std::span<const SeqRange> sacked, Instant now, Duration min_rtt) {
    const std::uint32_t una = snd_una.value();
    ack_rtt_.reset();
    while (count_ > 0 && seq_le(at(0).end, una)) {
        Record& r = at(0);
        if (!r.delivered)
            deliver(r, now, min_rtt);
        head_ = (head_ + 1) % ring_.size();
        --count_;
    }
    if (sacked.empty())
        return;
    std::size_t k = 0;
    for (std::size_t i = 0; i < count_; ++i) {
        Record& r = at(i);
        while (k < sacked.size() && seq_le(sacked[k].right, r.seq))
            ++k;
        if (k == sacked.size())
            break;
        const bool covered = seq_le(sacked[k].left, r.seq) && seq_le(r.end, sacked[k].right);
        if (covered && !r.delivered)
            deliver(r, now, min_rtt);
    }
}

Instant Rack::detect_loss(Instant now, Duration reo_wnd) {
    if (!has_rtt_)
        return kNever;
    Instant timer = kNever;
    for (std::size_t i = 0; i < count_; ++i) {
        Record& r = at(i);
        if (r.delivered || r.lost)
            continue;
        if (!sent_after(rack_xmit_, rack_end_, r.xmit, r.end))
            continue;
        const Instant deadline = r.xmit + rtt_ + reo_wnd;
        if (deadline <= now)
            r.lost = true;
        else
            timer = std::min(timer, deadline);
    }
    return timer;
}

std::optional<SeqRange> Rack::next_lost() const {
    for (std::size_t i = 0; i < count_; ++i) {
        const Record& r = at(i);
        if (r.lost && !r.delivered)
            return SeqRange{r.seq, r.end};
    }
    return std::nullopt;
}

std::size_t Rack::lost_count() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < count_; ++i)
        n += (at(i).lost && !at(i).delivered) ? 1 : 0;
    return n;
}

void Rack::on_dsack() {
    reordering_seen_ = true;
    reo_wnd_mult_ = std::min(reo_wnd_mult_ + 1, 64u);
    reo_wnd_persist_ = 16;
}

void Rack::on_recovery() {
    if (reo_wnd_persist_ > 0 && --reo_wnd_persist_ == 0)
        reo_wnd_mult_ = 1;
}

} // namespace multios::net::tcp
