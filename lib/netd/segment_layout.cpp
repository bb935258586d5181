#include "netd/segment_layout.hpp"

#include <cerrno>
#include <new>

namespace multios::net::netd {

namespace {

constexpr std::size_t kHeaderBytes = 4096;

constexpr std::size_t align_up(std::size_t v, std::size_t a) {
    return (v + a - 1) / a * a;
}

struct Layout {
    std::size_t requests, completions, readiness, data, total;
};

constexpr Layout layout() {
    constexpr std::size_t ring =
        align_up(shm::SpscRing::bytes_needed(kRingSlotSize, kRingSlots), 64);
    Layout l{};
    l.requests = kHeaderBytes;
    l.completions = l.requests + ring;
    l.readiness = l.completions + ring;
    l.data = align_up(l.readiness + kReadinessSlots * sizeof(std::uint32_t), 4096);
    l.total = l.data + kDataBytes;
    return l;
}

constexpr std::size_t kRingBytes = layout().completions - layout().requests;

// A range from the peer's header is usable when it lies inside the segment (64-bit arithmetic,
// no wrap) and starts aligned.
bool range_ok(std::uint64_t offset, std::uint64_t len, std::size_t total, std::size_t align) {
    return offset >= kHeaderBytes && offset % align == 0 && len <= total && offset <= total - len;
}

} // namespace

std::size_t segment_bytes() {
    return layout().total;
}

Result<SegmentView> format_segment(std::byte* base, std::size_t bytes) {
    constexpr Layout l = layout();
    if (bytes < l.total)
        return fail(EINVAL);
    auto* h = new (base) SegmentHeader{};
    h->magic = kSegmentMagic;
    h->version = kProtocolVersion;
    h->request_ring_offset = l.requests;
    h->request_ring_bytes = kRingBytes;
    h->completion_ring_offset = l.completions;
    h->completion_ring_bytes = kRingBytes;
    h->readiness_offset = l.readiness;
    h->readiness_slots = kReadinessSlots;
    h->data_offset = l.data;
    h->data_bytes = kDataBytes;
    auto req = shm::SpscRing::format(base + l.requests, kRingBytes, kRingSlotSize);
    auto cmp = shm::SpscRing::format(base + l.completions, kRingBytes, kRingSlotSize);
    if (!req || !cmp)
        return fail(EINVAL);
    SegmentView v{h, std::move(*req), std::move(*cmp), {}, {}};
    v.readiness = {reinterpret_cast<std::atomic<std::uint32_t>*>(base + l.readiness),
                   kReadinessSlots};
    v.data = {base + l.data, kDataBytes};
    return v;
}

Result<SegmentView> open_segment(std::byte* base, std::size_t bytes) {
    if (bytes < kHeaderBytes)
        return fail(EINVAL);
    auto* h = reinterpret_cast<SegmentHeader*>(base);
    if (h->magic != kSegmentMagic)
        return fail(EINVAL);
    if (h->version != kProtocolVersion)
        return fail(EPROTO);
    // Copy the geometry once: the peer may change the header afterwards.
    struct {
        std::uint64_t request_ring_offset, request_ring_bytes, completion_ring_offset,
            completion_ring_bytes, readiness_offset, data_offset, data_bytes;
        std::uint32_t readiness_slots;
    } const g{h->request_ring_offset,
              h->request_ring_bytes,
              h->completion_ring_offset,
              h->completion_ring_bytes,
              h->readiness_offset,
              h->data_offset,
              h->data_bytes,
              h->readiness_slots};
    const std::uint64_t readiness_len = std::uint64_t{g.readiness_slots} * sizeof(std::uint32_t);
    if (!range_ok(g.request_ring_offset, g.request_ring_bytes, bytes, 64) ||
        !range_ok(g.completion_ring_offset, g.completion_ring_bytes, bytes, 64) ||
        !range_ok(g.readiness_offset, readiness_len, bytes, 4) ||
        !range_ok(g.data_offset, g.data_bytes, bytes, 8) || g.readiness_slots == 0 ||
        g.data_bytes < 4096)
        return fail(EINVAL);
    auto req = shm::SpscRing::open(base + g.request_ring_offset, g.request_ring_bytes);
    auto cmp = shm::SpscRing::open(base + g.completion_ring_offset, g.completion_ring_bytes);
    if (!req || !cmp)
        return fail(EINVAL);
    SegmentView v{h, std::move(*req), std::move(*cmp), {}, {}};
    v.readiness = {reinterpret_cast<std::atomic<std::uint32_t>*>(base + g.readiness_offset),
                   g.readiness_slots};
    v.data = {base + g.data_offset, static_cast<std::size_t>(g.data_bytes)};
    return v;
}

} // namespace multios::net::netd
