// The TCP connection table (see tcp_table.hpp).
#include "stack/tcp_table.hpp"

#include <algorithm>
#include <bit>

namespace multios::net {

namespace {

/// Buckets: the capacity rounded up to a power of two (load factor <= 1), within bounds that
/// keep the array small for tiny tables and finite for huge ones.
std::uint32_t bucket_count(std::uint32_t capacity) {
    const std::uint32_t want = std::clamp<std::uint32_t>(capacity, 16, 1u << 20);
    return std::bit_ceil(want);
}

} // namespace

TcpTable::TcpTable(std::uint32_t capacity, const SipKey& key)
    : capacity_(capacity), key_(key), mask_(bucket_count(capacity) - 1),
      buckets_(bucket_count(capacity), kNone) {}

std::optional<std::uint32_t> TcpTable::find(const FourTuple& tuple) const {
    const std::uint64_t h = hash_four_tuple(key_, tuple);
    for (std::uint32_t i = buckets_[bucket_of(h)]; i != kNone; i = slots_[i].next) {
        const Slot& s = slots_[i];
        if (s.hash == h && s.entry->conn.tuple() == tuple)
            return i;
    }
    return std::nullopt;
}

std::uint32_t TcpTable::insert(std::unique_ptr<TcpEntry> e) {
    std::uint32_t index;
    if (!free_.empty()) {
        index = free_.back();
        free_.pop_back();
    } else {
        index = static_cast<std::uint32_t>(slots_.size());
        slots_.emplace_back();
    }
    Slot& s = slots_[index];
    s.hash = hash_four_tuple(key_, e->conn.tuple());
    e->index = index;
    s.entry = std::move(e);
    std::uint32_t& head = buckets_[bucket_of(s.hash)];
    s.next = head;
    head = index;
    ++live_;
    return index;
}

void TcpTable::erase(std::uint32_t index) {
    Slot& s = slots_[index];
    if (!s.entry)
        return;
    for (std::uint32_t* link = &buckets_[bucket_of(s.hash)]; *link != kNone;
         link = &slots_[*link].next) {
        if (*link == index) {
            *link = s.next;
            break;
        }
    }
    s.next = kNone;
    // Bump first: the handle is dead even while the destructor runs.
    ++s.generation;
    if (s.generation == 0)
        s.generation = 1; // Generation 0 never appears in a handle.
    auto dying = std::move(s.entry);
    dying.reset();
    free_.push_back(index);
    --live_;
}

TcpEntry* TcpTable::at(std::uint32_t index) const {
    return index < slots_.size() ? slots_[index].entry.get() : nullptr;
}

TcpEntry* TcpTable::resolve(std::uint64_t handle) const {
    const auto index = static_cast<std::uint32_t>(handle);
    const auto generation = static_cast<std::uint32_t>(handle >> 32);
    if (index >= slots_.size() || slots_[index].generation != generation)
        return nullptr;
    return slots_[index].entry.get();
}

std::uint64_t TcpTable::handle(std::uint32_t index) const {
    return (std::uint64_t{slots_[index].generation} << 32) | index;
}

void TcpTable::for_each(FunctionRef<void(std::uint32_t)> fn) const {
    for (std::uint32_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].entry)
            fn(i);
}

} // namespace multios::net
