// The FrameSink the stack benchmarks write into: one fixed buffer (no allocation per frame,
// each commit overwrites the last), counting what it is given so a benchmark can check that
// every request produced its reply.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <multios/net/wire/bytes.hpp>

#include "common/frame_sink.hpp"

namespace multios::net::bench {

class FixedSink final : public FrameSink {
  public:
    /// Frames of exactly `len` bytes are also counted in `counted` (0: none are).
    explicit FixedSink(std::size_t counted_len = 0) : counted_len_(counted_len) {}

    std::span<std::byte> begin_frame(IfIndex, std::size_t max_len) override {
        if (max_len > buf_.size()) {
            ++refused;
            return {};
        }
        return std::span(buf_).first(max_len);
    }
    void commit_frame(std::size_t len) override {
        ++frames;
        if (len == counted_len_)
            ++counted;
        last_len_ = len;
    }
    void abort_frame() override { ++aborted; }

    /// The most recently committed frame (valid until the next begin_frame).
    wire::Bytes last_frame() const { return {buf_.data(), last_len_}; }
    void reset() { frames = counted = refused = aborted = 0; }

    std::int64_t frames = 0;
    std::int64_t counted = 0;
    std::int64_t refused = 0;
    std::int64_t aborted = 0;

  private:
    alignas(64) std::array<std::byte, 16384> buf_{};
    std::size_t last_len_ = 0;
    std::size_t counted_len_;
};

} // namespace multios::net::bench
