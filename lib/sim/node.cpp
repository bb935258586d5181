#include "sim/node.hpp"

#include <chrono>

namespace multios::net::sim {

namespace {
/// When the stack still reports a deadline at or before the instant it was just polled, the
/// next poll is this much later, so a stack that never clears a deadline cannot stall the
/// virtual clock with an endless run of events at one instant.
constexpr Duration kMinRepoll = std::chrono::microseconds(1);
} // namespace

Node::Node(EventScheduler& scheduler, FramePool& pool, const StackConfig& config)
    : scheduler_(scheduler), pool_(pool), stack_(config, *this) {}

Result<IfIndex> Node::add_interface(const InterfaceConfig& cfg, Link* out) {
    auto r = stack_.add_interface(cfg, scheduler_.now());
    if (r) {
        outputs_.resize(std::max<std::size_t>(outputs_.size(), std::size_t{*r} + 1), nullptr);
        outputs_[*r] = out;
        rearm();
    }
    return r;
}

void Node::attach_output(IfIndex i, Link& out) {
    outputs_.resize(std::max<std::size_t>(outputs_.size(), std::size_t{i} + 1), nullptr);
    outputs_[i] = &out;
}

void Node::detach_output(IfIndex i) {
    if (i < outputs_.size()) {
        outputs_[i] = nullptr;
    }
}

std::span<std::byte> Node::begin_frame(IfIndex ifindex, std::size_t max_len) {
    const auto h = pool_.allocate(max_len);
    if (!h) {
        ++counters_.pool_exhausted;
        return {};
    }
    open_frame_ = *h;
    open_ifindex_ = ifindex;
    frame_open_ = true;
    return pool_.bytes(*h);
}

void Node::commit_frame(std::size_t len) {
    if (!frame_open_) {
        return;
    }
    frame_open_ = false;
    pool_.set_length(open_frame_, len);
    Link* out = open_ifindex_ < outputs_.size() ? outputs_[open_ifindex_] : nullptr;
    if (out == nullptr) {
        ++counters_.unattached_drops;
        pool_.release(open_frame_);
        return;
    }
    ++counters_.frames_out;
    out->offer(open_frame_, scheduler_.now());
}

void Node::abort_frame() {
    if (frame_open_) {
        frame_open_ = false;
        pool_.release(open_frame_);
    }
}

void Node::on_frame(IfIndex ifindex, FrameHandle h, Instant now) {
    ++counters_.frames_in;
    stack_.receive(ifindex, pool_.bytes(h), now);
    // The stack keeps no reference to rx bytes beyond the call (frame_sink.hpp).
    pool_.release(h);
    after_activity(now);
}

void Node::on_event(Instant now, std::uint64_t tag) {
    if (tag != wake_generation_) {
        return; // superseded by an earlier deadline
    }
    wake_at_ = kNever;
    ++counters_.polls;
    stack_.poll(now);
    after_activity(now);
    // A deadline the poll did not move would otherwise be re-armed for this same instant.
    if (stack_.next_deadline() <= now) {
        ++wake_generation_;
        wake_at_ = now + kMinRepoll;
        scheduler_.schedule(wake_at_, *this, wake_generation_);
    }
}

void Node::after_activity(Instant now) {
    if (app_ != nullptr) {
        app_->on_activity(*this, now);
    }
    rearm();
}

void Node::rearm() {
    const Instant now = scheduler_.now();
    Instant due = stack_.next_deadline();
    if (due == kNever) {
        return;
    }
    due = std::max(due, now);
    if (wake_at_ != kNever && wake_at_ <= due) {
        return; // an earlier (or the same) poll is already scheduled
    }
    ++wake_generation_;
    wake_at_ = due;
    scheduler_.schedule(due, *this, wake_generation_);
}

} // namespace multios::net::sim
