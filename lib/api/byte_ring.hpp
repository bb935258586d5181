// A single-producer single-consumer byte ring between an application thread and an lcore: the
// socket API's receive and send queues. Lock-free (one atomic index per side, each written by
// its own side only), capacity a power of two, memory allocated once and committed by the OS
// only as bytes are written into it.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <memory>
#include <span>

namespace multios::net::api {

class ByteRing {
  public:
    /// Capacity rounded up to a power of two, at least 64 bytes.
    explicit ByteRing(std::size_t capacity);

    std::size_t capacity() const { return mask_ + 1; }

    // Producer side.
    std::size_t writable() const;
    /// The free space as up to two spans (the second after wrap-around); fill, then commit().
    std::array<std::span<std::byte>, 2> write_spans();
    void commit(std::size_t n);
    /// Copies as much of `data` as fits; returns how much.
    std::size_t write(std::span<const std::byte> data);

    // Consumer side.
    std::size_t readable() const;
    std::array<std::span<const std::byte>, 2> read_spans() const;
    void consume(std::size_t n);
    /// Copies up to out.size() bytes out and consumes them; returns how many.
    std::size_t read(std::span<std::byte> out);
    /// Copies `out.size()` bytes starting `offset` bytes into the readable data, without
    /// consuming (records: a header is peeked before the payload is taken).
    void peek(std::size_t offset, std::span<std::byte> out) const;

  private:
    std::unique_ptr<std::byte[]> bytes_;
    std::size_t mask_ = 0;
    alignas(64) std::atomic<std::size_t> head_{0}; ///< Bytes ever written (producer).
    alignas(64) std::atomic<std::size_t> tail_{0}; ///< Bytes ever consumed (consumer).
};

} // namespace multios::net::api
