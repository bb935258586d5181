// A fixed pool of equal-sized byte chunks, allocated once: the reassembly memory cap is
// "chunks in use", the same unit (an mbuf-sized 2 KiB buffer) the stack budgets mbufs in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace multios::net {

class ChunkPool {
  public:
    static constexpr std::uint32_t kNoChunk = 0xffffffffu;

    ChunkPool(std::size_t count, std::size_t chunk_size)
        : chunk_size_(chunk_size), bytes_(count * chunk_size) {
        free_.reserve(count);
        for (std::size_t i = count; i-- > 0;)
            free_.push_back(static_cast<std::uint32_t>(i));
    }

    /// A free chunk, or kNoChunk when all are in use.
    std::uint32_t allocate() {
        if (free_.empty())
            return kNoChunk;
        const std::uint32_t c = free_.back();
        free_.pop_back();
        return c;
    }
    void release(std::uint32_t c) { free_.push_back(c); }

    std::span<std::byte> chunk(std::uint32_t c) {
        return {bytes_.data() + std::size_t{c} * chunk_size_, chunk_size_};
    }
    std::span<const std::byte> chunk(std::uint32_t c) const {
        return {bytes_.data() + std::size_t{c} * chunk_size_, chunk_size_};
    }

    std::size_t chunk_size() const { return chunk_size_; }
    std::size_t capacity() const { return bytes_.size() / chunk_size_; }
    std::size_t available() const { return free_.size(); }
    std::size_t in_use() const { return capacity() - available(); }

  private:
    std::size_t chunk_size_;
    std::vector<std::byte> bytes_;
    std::vector<std::uint32_t> free_;
};

} // namespace multios::net
