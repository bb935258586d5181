// A classic libpcap file writer for the simulator's per-link captures (tshark and wireshark
// read it). Timestamps have nanosecond resolution (magic 0xa1b23c4d) and are the simulated
// time since the start of the run, so a capture shows the run's own clock and two runs of one
// scenario and seed give the same bytes. Frames are cut to the snap length, keeping the
// original length in the record header. No DPDK: drivers/pmd_glue's pcapng Capture needs EAL
// and maps to wall-clock time, which the simulator must not read.
// Format: draft-ietf-opsawg-pcap (file header section 4, packet record section 5).
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>

#include <multios/net/result.hpp>
#include <multios/net/time.hpp>

namespace multios::net::sim {

class PcapWriter {
  public:
    /// LINKTYPE_ETHERNET: every simulated link carries Ethernet frames.
    static constexpr std::uint32_t kLinkTypeEthernet = 1;

    /// Creates `path` and writes the file header. Errors are errno values.
    static Result<std::unique_ptr<PcapWriter>> open(const std::string& path, std::uint32_t snaplen);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    /// Appends one frame seen at `since_start` into the run.
    void record(Duration since_start, std::span<const std::byte> frame);
    /// Flushes and closes; the first write error (errno) if there was one.
    Result<void> close();

    std::uint64_t records() const { return records_; }

  private:
    PcapWriter(std::FILE* file, std::uint32_t snaplen) : file_(file), snaplen_(snaplen) {}
    void write(std::span<const std::byte> bytes);

    std::FILE* file_;
    std::uint32_t snaplen_;
    std::uint64_t records_ = 0;
    int error_ = 0;
};

} // namespace multios::net::sim
