#include "neighbor/pending_queue.hpp"

#include <cstring>

namespace multios::net {

PendingQueue::PendingQueue(std::size_t slots, std::size_t slot_bytes, std::size_t per_list_limit)
    : slot_bytes_(slot_bytes), per_list_limit_(per_list_limit), arena_(slots * slot_bytes),
      next_(slots, kNil), len_(slots, 0) {
    // Thread every slot onto the free list, lowest index first.
    for (std::size_t i = slots; i-- > 0;) {
        next_[i] = free_head_;
        free_head_ = static_cast<std::uint32_t>(i);
    }
    free_count_ = slots;
}

PendingQueue::PushResult PendingQueue::push(List& list, std::span<const std::byte> packet) {
    if (packet.size() > slot_bytes_)
        return PushResult::TooBig;
    if (list.count >= per_list_limit_)
        return PushResult::ListFull;
    if (free_head_ == kNil)
        return PushResult::Exhausted;
    const std::uint32_t i = free_head_;
    free_head_ = next_[i];
    --free_count_;
    if (!packet.empty())
        std::memcpy(slot(i), packet.data(), packet.size());
    len_[i] = static_cast<std::uint32_t>(packet.size());
    next_[i] = kNil;
    if (list.tail == kNil)
        list.head = i;
    else
        next_[list.tail] = i;
    list.tail = i;
    ++list.count;
    return PushResult::Queued;
}

std::size_t PendingQueue::discard(List& list) {
    const std::size_t n = list.count;
    drain(list, [](std::span<const std::byte>) {});
    return n;
}

void PendingQueue::release(std::uint32_t i) {
    len_[i] = 0;
    next_[i] = free_head_;
    free_head_ = i;
    ++free_count_;
}

} // namespace multios::net
