// The TCP connection table: a slot vector of heap-allocated entries with generation-tagged
// handles (a stale handle never aliases a newer connection in the same slot), and a chained
// hash index by 4-tuple. The hash is keyed (SipHash, hash_four_tuple) so that a peer choosing
// addresses and ports cannot pile connections into one chain. Bounded: at most `capacity`
// live connections; the bucket array is sized once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "stack/function_ref.hpp"
#include "stack/tcp_entry.hpp"
#include "tcp/four_tuple.hpp"

namespace multios::net {

class TcpTable {
  public:
    TcpTable(std::uint32_t capacity, const SipKey& key);

    std::uint32_t capacity() const { return capacity_; }
    std::size_t size() const { return live_; }
    bool full() const { return live_ >= capacity_; }

    /// The keyed hash of `tuple` (the table's index key); also spreads SYNs over
    /// reuse_port listeners, so a peer cannot aim its flows at one of them.
    std::uint64_t flow_hash(const FourTuple& tuple) const { return hash_four_tuple(key_, tuple); }
    /// Slot of the connection on `tuple`, if any.
    std::optional<std::uint32_t> find(const FourTuple& tuple) const;
    /// Takes ownership of `e` (whose connection's tuple must not be in the table yet) and
    /// returns its slot; precondition: !full().
    std::uint32_t insert(std::unique_ptr<TcpEntry> e);
    /// Destroys the entry in `index` (its timers are cancelled by its destructor).
    void erase(std::uint32_t index);

    /// The live entry in `index`, or nullptr.
    TcpEntry* at(std::uint32_t index) const;
    /// The live entry behind `handle`, or nullptr when the handle is stale or malformed.
    TcpEntry* resolve(std::uint64_t handle) const;
    /// Handle of the live entry in `index`: generation << 32 | index.
    std::uint64_t handle(std::uint32_t index) const;

    /// Calls `fn(index)` for every live entry (fn must not insert or erase).
    void for_each(FunctionRef<void(std::uint32_t)> fn) const;

  private:
    static constexpr std::uint32_t kNone = ~std::uint32_t{0};

    struct Slot {
        std::unique_ptr<TcpEntry> entry;
        std::uint32_t generation = 1;
        std::uint32_t next = kNone; ///< Next slot in the same hash chain.
        std::uint64_t hash = 0;
    };

    std::uint32_t bucket_of(std::uint64_t hash) const {
        return static_cast<std::uint32_t>(hash) & mask_;
    }

    std::uint32_t capacity_;
    SipKey key_;
    std::uint32_t mask_;
    std::vector<std::uint32_t> buckets_;
    std::vector<Slot> slots_;
    std::vector<std::uint32_t> free_;
    std::size_t live_ = 0;
};

} // namespace multios::net
