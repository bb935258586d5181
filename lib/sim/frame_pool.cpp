#include "sim/frame_pool.hpp"

#include <algorithm>

namespace multios::net::sim {

std::optional<FrameHandle> FramePool::allocate(std::size_t max_len) {
    FrameHandle h;
    if (!free_.empty()) {
        h = free_.back();
        free_.pop_back();
    } else if (slots_.size() < capacity_) {
        h = static_cast<FrameHandle>(slots_.size());
        slots_.emplace_back();
    } else {
        return std::nullopt;
    }
    Slot& s = slots_[h];
    if (s.buf.size() < max_len) {
        s.buf.resize(max_len);
    }
    s.len = max_len;
    return h;
}

std::optional<FrameHandle> FramePool::copy(FrameHandle h) {
    const std::size_t len = slots_[h].len;
    const auto c = allocate(len);
    if (c) {
        // allocate() may grow slots_, so the source is looked up again.
        const Slot& src = slots_[h];
        std::copy_n(src.buf.begin(), len, slots_[*c].buf.begin());
    }
    return c;
}

void FramePool::release(FrameHandle h) {
    free_.push_back(h);
}

void FramePool::set_length(FrameHandle h, std::size_t len) {
    Slot& s = slots_[h];
    s.len = std::min(len, s.buf.size());
}

std::span<std::byte> FramePool::bytes(FrameHandle h) {
    Slot& s = slots_[h];
    return {s.buf.data(), s.len};
}

std::span<const std::byte> FramePool::bytes(FrameHandle h) const {
    const Slot& s = slots_[h];
    return {s.buf.data(), s.len};
}

} // namespace multios::net::sim
