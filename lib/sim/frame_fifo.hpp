// A fixed-capacity FIFO of frame handles: a link's transmit queue. Storage is allocated once,
// in the constructor, so the queue limit is also the memory bound.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "sim/frame_pool.hpp"

namespace multios::net::sim {

class FrameFifo {
  public:
    explicit FrameFifo(std::size_t capacity) : ring_(std::max<std::size_t>(capacity, 1)) {}

    /// False (and nothing queued) when full.
    bool push(FrameHandle h) {
        if (count_ == ring_.size()) {
            return false;
        }
        ring_[(head_ + count_) % ring_.size()] = h;
        ++count_;
        return true;
    }
    /// The oldest handle; only when not empty.
    FrameHandle front() const { return ring_[head_]; }
    void pop() {
        head_ = (head_ + 1) % ring_.size();
        --count_;
    }
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    bool full() const { return count_ == ring_.size(); }
    std::size_t capacity() const { return ring_.size(); }

  private:
    std::vector<FrameHandle> ring_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

} // namespace multios::net::sim
