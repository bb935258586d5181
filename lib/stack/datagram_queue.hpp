// A bounded FIFO of datagrams for one UDP or raw socket: a byte ring for payloads and a ring of
// descriptors, both allocated when the socket opens, never per datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <multios/net/address.hpp>

namespace multios::net {

struct DatagramMeta {
    IpAddress src;
    std::uint16_t src_port = 0;
    IpAddress dst;
    std::uint16_t dst_port = 0;
    std::uint8_t hop_limit = 0; ///< TTL / hop limit as received (raw sockets report it).
};

class DatagramQueue {
  public:
    DatagramQueue(std::size_t max_datagrams, std::size_t byte_capacity);

    /// Copies a datagram in; false when it does not fit (the caller counts the drop).
    bool push(const DatagramMeta& meta, std::span<const std::byte> payload) {
        return push(meta, {}, payload);
    }
    /// Copies `head` followed by `body` in as one datagram (a raw socket's IP header rebuilt
    /// after reassembly, then the reassembled payload).
    bool push(const DatagramMeta& meta, std::span<const std::byte> head,
              std::span<const std::byte> body);
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    /// The oldest datagram; only valid when !empty(), until pop().
    const DatagramMeta& front_meta() const { return entries_[head_].meta; }
    std::span<const std::byte> front_payload() const;
    void pop();

  private:
    struct Entry {
        DatagramMeta meta;
        std::size_t offset = 0; ///< Into bytes_; payloads never wrap (we skip to 0 instead).
        std::size_t length = 0;
        std::size_t reserved = 0; ///< Bytes consumed including any skipped tail.
    };
    std::vector<Entry> entries_;
    // Not value-initialized: pages are committed only as datagrams reach them, so thousands
    // of idle sockets (4 MiB of queue each by default) cost address space, not memory.
    std::unique_ptr<std::byte[]> bytes_;
    std::size_t byte_capacity_ = 0;
    std::size_t head_ = 0, count_ = 0;
    std::size_t byte_head_ = 0, byte_used_ = 0;
};

} // namespace multios::net
