// Packet capture to a pcapng file (readable by tshark/wireshark): one Interface Description
// Block per port, so the interface of each frame survives, and the direction in each Enhanced
// Packet Block's epb_flags. Written through a buffered FILE*: no syscall per frame.
// Format: IETF draft-ietf-opsawg-pcapng (SHB §4.1, IDB §4.2, EPB §4.3).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

#include "common/frame_sink.hpp"

namespace multios::net::glue {

enum class Direction : std::uint8_t { Rx, Tx };

class Capture {
  public:
    /// Creates `path` and writes the section header and one interface per name (IfIndex
    /// order). `now` is the current stack Instant: timestamps are mapped to wall-clock time
    /// through the offset between it and CLOCK_REALTIME at this moment.
    static Result<std::unique_ptr<Capture>>
    open(const std::string& path, const std::vector<std::string>& if_names, Instant now);
    /// As open(), with the Instant-to-wall-clock offset given (ns to add to an Instant). With
    /// several lcores, give every lcore's Capture the same offset (realtime_offset_ns() read
    /// once): their part files then carry exactly comparable timestamps for merge_captures().
    static Result<std::unique_ptr<Capture>>
    open_with_offset(const std::string& path, const std::vector<std::string>& if_names,
                     std::int64_t offset_ns);
    /// CLOCK_REALTIME ns minus the ns of `now`, read at this moment (what open() uses).
    static std::int64_t realtime_offset_ns(Instant now);
    /// Flushes and closes the file.
    ~Capture();
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;

    /// Appends one frame. Frames on an unknown ifindex are not written (counted as errors).
    void record(IfIndex ifindex, Direction dir, Instant at, std::span<const std::byte> frame);
    /// Pushes buffered records to the file (the poll loop calls it when it stops).
    void flush();

    std::uint64_t records() const { return records_; }
    std::uint64_t errors() const { return errors_; }

  private:
    Capture(std::FILE* file, std::size_t interfaces, std::int64_t offset_ns);
    void write_block(std::uint32_t type, std::span<const std::byte> body);

    std::FILE* file_;
    std::size_t interfaces_;
    std::int64_t realtime_offset_ns_; ///< CLOCK_REALTIME ns minus stack Instant ns.
    std::uint64_t records_ = 0;
    std::uint64_t errors_ = 0;
    std::vector<std::byte> block_; ///< Reused block buffer, sized once for jumbo frames.
};

} // namespace multios::net::glue
