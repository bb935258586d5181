#include "tcp/send_buffer.hpp"

#include <algorithm>

namespace multios::net::tcp {

SendBuffer::SendBuffer(std::size_t capacity) : storage_(std::min(capacity, kMaxCapacity)) {}

std::size_t SendBuffer::ring_index(std::size_t offset) const {
    // head_ < capacity and offset <= capacity, so one subtraction wraps it (no division).
    const std::size_t i = head_ + offset;
    return i >= storage_.size() ? i - storage_.size() : i;
}

std::size_t SendBuffer::offset_of(SeqNum from) const {
    const std::size_t off = seq_distance(una_, from);
    return off <= size_ ? off : kOutside;
}

std::size_t SendBuffer::write(std::span<const std::byte> data) {
    const std::size_t n = std::min(data.size(), free_space());
    if (n == 0)
        return 0;
    std::byte* ring = storage_.writable(); // allocates on the connection's first write only
    const std::size_t pos = ring_index(size_);
    const std::size_t first = std::min(n, storage_.size() - pos);
    std::copy_n(data.begin(), first, ring + pos);
    std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(first), n - first, ring);
    size_ += n;
    return n;
}

std::size_t SendBuffer::ack(SeqNum new_una) {
    const std::size_t n = offset_of(new_una);
    if (n == kOutside)
        return 0;
    head_ = ring_index(n);
    size_ -= n;
    una_ = new_una;
    if (size_ == 0)
        head_ = 0; // Keeps later writes contiguous (fewer wrapped segments); costs nothing.
    return n;
}

ByteSlices SendBuffer::peek(SeqNum from, std::size_t n) const {
    const std::size_t off = offset_of(from);
    if (off == kOutside)
        return {};
    n = std::min(n, size_ - off);
    if (n == 0)
        return {};
    // n > 0: bytes were written, so the storage is allocated.
    const std::span<const std::byte> all(storage_.data(), storage_.size());
    const std::size_t pos = ring_index(off);
    const std::size_t first = std::min(n, storage_.size() - pos);
    return {all.subspan(pos, first), all.first(n - first)};
}

std::size_t SendBuffer::copy_out(SeqNum from, std::span<std::byte> out) const {
    const ByteSlices s = peek(from, out.size());
    std::copy(s.first.begin(), s.first.end(), out.begin());
    std::copy(s.second.begin(), s.second.end(),
              out.begin() + static_cast<std::ptrdiff_t>(s.first.size()));
    return s.size();
}

void SendBuffer::release_if_empty() {
    if (size_ == 0)
        storage_.release();
}

} // namespace multios::net::tcp
