// Datagrams in a ByteRing: a fixed header (length, peer address and port) followed by the
// payload; a record is written whole or not at all, so the reader never sees half of one.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include <multios/net/socket_address.hpp>

#include "api/byte_ring.hpp"

namespace multios::net::api {

inline constexpr std::size_t kRecordHeader = 24;

/// False when the ring lacks room for the whole record.
bool write_record(ByteRing& ring, const SocketAddress& peer, std::span<const std::byte> payload);
/// Length and peer of the oldest record, if any.
struct RecordInfo {
    std::size_t length = 0;
    SocketAddress peer;
};
std::optional<RecordInfo> peek_record(const ByteRing& ring);
/// Copies up to out.size() bytes of the oldest record's payload and consumes the record.
std::size_t read_record(ByteRing& ring, const RecordInfo& info, std::span<std::byte> out);

} // namespace multios::net::api
