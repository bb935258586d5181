#include "stack/datagram_queue.hpp"

#include <cstring>

namespace multios::net {

DatagramQueue::DatagramQueue(std::size_t max_datagrams, std::size_t byte_capacity)
    : entries_(max_datagrams), bytes_(new std::byte[byte_capacity]), byte_capacity_(byte_capacity) {
}

bool DatagramQueue::push(const DatagramMeta& meta, std::span<const std::byte> head,
                         std::span<const std::byte> body) {
    const std::size_t length = head.size() + body.size();
    if (count_ == entries_.size() || length > byte_capacity_)
        return false;
    const std::size_t cap = byte_capacity_;
    const std::size_t tail = (byte_head_ + byte_used_) % cap;
    std::size_t offset = tail;
    std::size_t reserved = length;
    // A payload is stored contiguously: when it does not fit before the end of the ring, the
    // tail gap is skipped and charged to this entry.
    if (tail + length > cap) {
        reserved += cap - tail;
        offset = 0;
    }
    if (byte_used_ + reserved > cap)
        return false;
    if (!head.empty())
        std::memcpy(bytes_.get() + offset, head.data(), head.size());
    if (!body.empty())
        std::memcpy(bytes_.get() + offset + head.size(), body.data(), body.size());
    Entry& e = entries_[(head_ + count_) % entries_.size()];
    e.meta = meta;
    e.offset = offset;
    e.length = length;
    e.reserved = reserved;
    byte_used_ += reserved;
    ++count_;
    return true;
}

std::span<const std::byte> DatagramQueue::front_payload() const {
    const Entry& e = entries_[head_];
    return {bytes_.get() + e.offset, e.length};
}

void DatagramQueue::pop() {
    const Entry& e = entries_[head_];
    byte_head_ = (byte_head_ + e.reserved) % byte_capacity_;
    byte_used_ -= e.reserved;
    head_ = (head_ + 1) % entries_.size();
    --count_;
    if (count_ == 0) {
        byte_head_ = 0;
        byte_used_ = 0;
    }
}

} // namespace multios::net
