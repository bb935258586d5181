// Shared state of the glue-tests binary: EAL is started once in main() with two net_ring
// vdevs (each loops its tx back to its own rx) and a net_null that never receives, and the
// ports are opened once, because EAL
// cannot be restarted and closed vdev ports cannot be reopened.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "pmd_glue/port.hpp"
#include "stack/packet_processor.hpp"

namespace multios::net::glue::test {

/// The ports opened by main(): if0 = net_ring0, if1 = net_ring1, if2 = net_null0 (no rx).
PortSet& ports();

/// Path of this test binary (for the child-process EAL start-up tests).
const char* self_path();

/// Records every received frame; echoes up to `echo_budget` of them back out through `sink`.
class RecordingProcessor : public PacketProcessor {
  public:
    explicit RecordingProcessor(FrameSink* sink = nullptr) : sink_(sink) {}
    void receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now) override;
    void poll(Instant now) override;
    Instant next_deadline() const override { return kNever; }

    struct Frame {
        IfIndex ifindex;
        std::vector<std::byte> bytes;
    };
    std::vector<Frame> frames;
    std::uint64_t polls = 0;
    Instant last_now{};
    unsigned echo_budget = 0;

  private:
    FrameSink* sink_;
};

/// A frame of `len` bytes whose content encodes `seq` (so reordering and corruption show).
std::vector<std::byte> make_frame(std::size_t len, std::uint32_t seq);

/// Writes `frame` through `sink` on `ifindex`; false when begin_frame refused.
bool send_frame(FrameSink& sink, IfIndex ifindex, std::span<const std::byte> frame);

} // namespace multios::net::glue::test
