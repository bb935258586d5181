#include "glue_env.hpp"

#include <cstring>

namespace multios::net::glue::test {

void RecordingProcessor::receive(IfIndex ifindex, std::span<const std::byte> frame, Instant now) {
    frames.push_back(Frame{ifindex, std::vector<std::byte>(frame.begin(), frame.end())});
    last_now = now;
    if (sink_ != nullptr && echo_budget > 0) {
        --echo_budget;
        send_frame(*sink_, ifindex, frame);
    }
}

void RecordingProcessor::poll(Instant now) {
    ++polls;
    last_now = now;
}

std::vector<std::byte> make_frame(std::size_t len, std::uint32_t seq) {
    std::vector<std::byte> f(len);
    for (std::size_t i = 0; i < len; ++i) {
        f[i] = static_cast<std::byte>((seq * 31 + i) & 0xff);
    }
    // Destination MAC: broadcast, so no filter anywhere drops it.
    for (std::size_t i = 0; i < 6 && i < len; ++i) {
        f[i] = std::byte{0xff};
    }
    return f;
}

bool send_frame(FrameSink& sink, IfIndex ifindex, std::span<const std::byte> frame) {
    auto buf = sink.begin_frame(ifindex, frame.size());
    if (buf.size() < frame.size()) {
        return false;
    }
    std::memcpy(buf.data(), frame.data(), frame.size());
    sink.commit_frame(frame.size());
    return true;
}

} // namespace multios::net::glue::test
