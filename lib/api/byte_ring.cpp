#include "api/byte_ring.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace multios::net::api {

ByteRing::ByteRing(std::size_t capacity)
    : bytes_(new std::byte[std::bit_ceil(std::max<std::size_t>(capacity, 64))]),
      mask_(std::bit_ceil(std::max<std::size_t>(capacity, 64)) - 1) {}

std::size_t ByteRing::writable() const {
    return capacity() -
           (head_.load(std::memory_order_relaxed) - tail_.load(std::memory_order_acquire));
}

std::array<std::span<std::byte>, 2> ByteRing::write_spans() {
    const std::size_t head = head_.load(std::memory_order_relaxed);
    const std::size_t free = writable();
    const std::size_t at = head & mask_;
    const std::size_t first = std::min(free, capacity() - at);
    return {std::span<std::byte>(bytes_.get() + at, first),
            std::span<std::byte>(bytes_.get(), free - first)};
}

void ByteRing::commit(std::size_t n) {
    head_.store(head_.load(std::memory_order_relaxed) + n, std::memory_order_seq_cst);
}

std::size_t ByteRing::write(std::span<const std::byte> data) {
    std::size_t done = 0;
    for (auto span : write_spans()) {
        const std::size_t n = std::min(span.size(), data.size() - done);
        if (n != 0)
            std::memcpy(span.data(), data.data() + done, n);
        done += n;
    }
    commit(done);
    return done;
}

std::size_t ByteRing::readable() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_relaxed);
}

std::array<std::span<const std::byte>, 2> ByteRing::read_spans() const {
    const std::size_t tail = tail_.load(std::memory_order_relaxed);
    const std::size_t avail = readable();
    const std::size_t at = tail & mask_;
    const std::size_t first = std::min(avail, capacity() - at);
    return {std::span<const std::byte>(bytes_.get() + at, first),
            std::span<const std::byte>(bytes_.get(), avail - first)};
}

void ByteRing::consume(std::size_t n) {
    tail_.store(tail_.load(std::memory_order_relaxed) + n, std::memory_order_seq_cst);
}

std::size_t ByteRing::read(std::span<std::byte> out) {
    std::size_t done = 0;
    for (auto span : read_spans()) {
        const std::size_t n = std::min(span.size(), out.size() - done);
        if (n != 0)
            std::memcpy(out.data() + done, span.data(), n);
        done += n;
    }
    consume(done);
    return done;
}

void ByteRing::peek(std::size_t offset, std::span<std::byte> out) const {
    const std::size_t tail = tail_.load(std::memory_order_relaxed) + offset;
    for (std::size_t i = 0; i < out.size();) {
        const std::size_t at = (tail + i) & mask_;
        const std::size_t n = std::min(out.size() - i, capacity() - at);
        std::memcpy(out.data() + i, bytes_.get() + at, n);
        i += n;
    }
}

} // namespace multios::net::api
