// The multios-netd ring protocol (issue 6), shared by the daemon and libmultios-client.
//
// A client connects to the daemon's Unix socket and sends a Hello; the daemon answers with a
// Welcome that carries the client's shared-memory segment (a sealed memfd, lib/shm). The
// segment holds a request ring (client -> daemon), a completion ring (daemon -> client), three
// wait words, a readiness table (one word per socket slot) and a data area. The client has at
// most one request outstanding; its payload (send data, option values) and the reply's payload
// (received data, addresses, option values) live at the start of the data area. Everything is
// host byte order, plain integers, no pointers: both sides validate every field (the other
// process may be buggy or hostile). docs/netd.md describes the format for readers.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "shm/shared_wait.hpp"

namespace multios::net::netd {

inline constexpr std::uint32_t kHelloMagic = 0x444e4d4d;   // "MMND"
inline constexpr std::uint32_t kSegmentMagic = 0x47534e4d; // "MNSG"
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr char kDefaultSocketPath[] = "/run/multios-netd.sock";
inline constexpr char kSocketPathVariable[] = "MULTIOS_NETD";

/// How long the daemon keeps the sockets a fork token hands over when no child presents it.
inline constexpr unsigned kForkTokenLifeSeconds = 30;

/// Client -> daemon over the Unix socket, once, right after connect.
struct Hello {
    std::uint32_t magic = kHelloMagic;
    std::uint32_t version = kProtocolVersion;
    std::uint32_t pid = 0;
    std::uint32_t reserved = 0;
    /// 0 for a new client; a fork token (Op::ForkPrepare) for a forked child that takes over
    /// its parent's sockets.
    std::uint64_t fork_token = 0;
};

/// Daemon -> client: the payload of the message that carries the segment's memfd. On refusal
/// no fd is attached and status holds the errno.
struct Welcome {
    std::uint32_t magic = kHelloMagic;
    std::uint32_t version = kProtocolVersion;
    std::int32_t status = 0;
    std::uint32_t reserved = 0;
};

/// An endpoint on the wire. family: 0 (none), AF_INET or AF_INET6; port in host order.
struct WireAddr {
    std::uint16_t family = 0;
    std::uint16_t port = 0;
    std::uint32_t scope_id = 0;
    std::uint8_t bytes[16] = {};
};

enum class Op : std::uint32_t {
    Socket = 1,    ///< a = domain, b = SOCK_STREAM/DGRAM/RAW, c = protocol -> slot, eventfd follows
    Bind,          ///< addr
    Listen,        ///< a = backlog
    Accept,        ///< -> slot of the new socket, addr = peer, eventfd follows
    Connect,       ///< addr -> 0, or error EINPROGRESS
    Send,          ///< data[0, len), addr (family 0: connected peer), a = flags
    Recv,          ///< len = room, a = flags -> bytes in data, addr = source
    Shutdown,      ///< a = SHUT_RD/WR/RDWR
    Close,         ///< drops this client's reference to the slot
    LocalName,     ///< -> addr
    PeerName,      ///< -> addr
    SetOption,     ///< a = level, b = name, value in data[0, len)
    GetOption,     ///< a = level, b = name, len = room -> value in data, len
    BytesReadable, ///< -> result = bytes queued for reading
    ForkPrepare,   ///< -> token (a forked child presents it in its Hello within kForkTokenLife)
    kLast = ForkPrepare,
};

struct Request {
    std::uint32_t op = 0;
    std::uint32_t slot = 0;
    std::int32_t a = 0, b = 0, c = 0;
    std::uint32_t seq = 0; ///< echoed in the completion
    std::uint64_t len = 0;
    std::uint64_t token = 0;
    WireAddr addr;
};

/// Completion flags.
inline constexpr std::uint32_t kEventFdFollows = 1; ///< an eventfd arrives on the Unix socket

struct Completion {
    std::uint32_t op = 0;
    std::uint32_t seq = 0;
    std::int64_t result = 0; ///< >= 0 success; the call's value
    std::int32_t error = 0;  ///< errno when result < 0
    std::uint32_t flags = 0;
    std::uint64_t len = 0; ///< payload bytes in the data area
    std::uint64_t token = 0;
    WireAddr addr;
};

static_assert(std::is_trivially_copyable_v<Request> && std::is_trivially_copyable_v<Completion>);

/// At offset 0 of the segment. Offsets are from the segment start.
struct SegmentHeader {
    std::uint32_t magic;
    std::uint32_t version;
    std::uint64_t request_ring_offset, request_ring_bytes;
    std::uint64_t completion_ring_offset, completion_ring_bytes;
    std::uint64_t readiness_offset;
    std::uint32_t readiness_slots;
    std::uint32_t reserved0;
    std::uint64_t data_offset, data_bytes;
    /// The daemon sleeps on it for requests; the client signals after each push.
    alignas(64) shm::SharedWait request_wait;
    /// The client sleeps on it for its completion.
    alignas(64) shm::SharedWait completion_wait;
    /// Signalled whenever a readiness word of this client changes.
    alignas(64) shm::SharedWait change_wait;
    /// Set (1) by the daemon when it shuts down, before it stops serving.
    alignas(64) std::atomic<std::uint32_t> daemon_gone;
};

static_assert(std::is_standard_layout_v<SegmentHeader>);
static_assert(sizeof(SegmentHeader) <= 4096);

} // namespace multios::net::netd
