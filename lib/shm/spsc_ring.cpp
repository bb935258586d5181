#include "shm/spsc_ring.hpp"

#include <bit>
#include <cerrno>
#include <cstring>
#include <new>

namespace multios::net::shm {

namespace {

bool valid_slot_size(std::uint32_t s) {
    return s >= 8 && s <= SpscRing::kMaxSlotSize && s % 8 == 0;
}

bool aligned(const void* mem) {
    return reinterpret_cast<std::uintptr_t>(mem) % RingHeader::kCacheLine == 0;
}

// Reads a plain header field once; the peer may be writing it concurrently, so go through an
// atomic view (relaxed) rather than a plain load the compiler could tear or repeat.
std::uint32_t read_field(std::uint32_t& f) {
    return std::atomic_ref<std::uint32_t>(f).load(std::memory_order_relaxed);
}

} // namespace

SpscRing::SpscRing(RingHeader* h, std::uint32_t slot_size, std::uint32_t slot_count) noexcept
    : hdr_(h), slots_(reinterpret_cast<std::byte*>(h) + sizeof(RingHeader)), slot_size_(slot_size),
      mask_(slot_count - 1) {
    cached_head_ = hdr_->head.load(std::memory_order_acquire);
    cached_tail_ = hdr_->tail.load(std::memory_order_acquire);
}

Result<SpscRing> SpscRing::format(void* mem, std::size_t bytes, std::uint32_t slot_size) {
    if (mem == nullptr || !aligned(mem) || !valid_slot_size(slot_size) ||
        bytes < bytes_needed(slot_size, 1))
        return fail(EINVAL);
    const std::size_t fit = (bytes - sizeof(RingHeader)) / slot_size;
    const auto count = static_cast<std::uint32_t>(
        std::bit_floor(fit < kMaxSlotCount ? fit : std::size_t{kMaxSlotCount}));
    auto* h = new (mem) RingHeader{};
    h->version = RingHeader::kVersion;
    h->slot_size = slot_size;
    h->slot_count = count;
    h->slots_offset = sizeof(RingHeader);
    h->head.store(0, std::memory_order_relaxed);
    h->tail.store(0, std::memory_order_relaxed);
    h->magic.store(RingHeader::kMagic, std::memory_order_release);
    return SpscRing(h, slot_size, count);
}

Result<SpscRing> SpscRing::open(void* mem, std::size_t bytes) {
    if (mem == nullptr || !aligned(mem) || bytes < sizeof(RingHeader))
        return fail(EINVAL);
    auto* h = std::launder(static_cast<RingHeader*>(mem));
    if (h->magic.load(std::memory_order_acquire) != RingHeader::kMagic ||
        read_field(h->version) != RingHeader::kVersion ||
        read_field(h->slots_offset) != sizeof(RingHeader))
        return fail(EINVAL);
    const std::uint32_t size = read_field(h->slot_size);
    const std::uint32_t count = read_field(h->slot_count);
    if (!valid_slot_size(size) || count == 0 || count > kMaxSlotCount ||
        !std::has_single_bit(count) || bytes_needed(size, count) > bytes)
        return fail(EINVAL);
    SpscRing ring(h, size, count);
    if (ring.corrupted())
        return fail(EINVAL);
    return ring;
}

std::byte* SpscRing::slot(std::uint32_t index) const noexcept {
    // The mask keeps any index, however garbled, inside the validated slot array.
    return slots_ + std::size_t{index & mask_} * slot_size_;
}

bool SpscRing::try_push(std::span<const std::byte> msg) {
    if (msg.size() > max_message())
        return false;
    const std::uint32_t tail = hdr_->tail.load(std::memory_order_relaxed);
    if (tail - cached_head_ >= slot_count()) {
        cached_head_ = hdr_->head.load(std::memory_order_acquire);
        // Full, or (difference above the slot count) a scribbled index: refuse either way.
        if (tail - cached_head_ >= slot_count())
            return false;
    }
    std::byte* s = slot(tail);
    const auto len = static_cast<std::uint32_t>(msg.size());
    std::memcpy(s, &len, kLengthPrefix);
    if (!msg.empty())
        std::memcpy(s + kLengthPrefix, msg.data(), msg.size());
    hdr_->tail.store(tail + 1, std::memory_order_release);
    return true;
}

std::optional<std::size_t> SpscRing::try_pop(std::span<std::byte> out) {
    const std::uint32_t head = hdr_->head.load(std::memory_order_relaxed);
    if (cached_tail_ - head == 0 || cached_tail_ - head > slot_count()) {
        cached_tail_ = hdr_->tail.load(std::memory_order_acquire);
        const std::uint32_t used = cached_tail_ - head;
        if (used == 0 || used > slot_count())
            return std::nullopt; // empty, or a scribbled index: never read past the array
    }
    const std::byte* s = slot(head);
    std::uint32_t len;
    std::memcpy(&len, s, kLengthPrefix);
    // A garbage length is clamped to the slot: the peer can only garble its own message.
    if (len > max_message())
        len = static_cast<std::uint32_t>(max_message());
    const std::size_t copy = len < out.size() ? len : out.size();
    if (copy > 0)
        std::memcpy(out.data(), s + kLengthPrefix, copy);
    hdr_->head.store(head + 1, std::memory_order_release);
    return len;
}

bool SpscRing::empty() const {
    return hdr_->tail.load(std::memory_order_acquire) == hdr_->head.load(std::memory_order_acquire);
}

bool SpscRing::corrupted() const {
    const std::uint32_t head = hdr_->head.load(std::memory_order_acquire);
    const std::uint32_t tail = hdr_->tail.load(std::memory_order_acquire);
    return tail - head > slot_count();
}

} // namespace multios::net::shm
