// The state one socket shares between the application threads that call it and the lcore
// that serves it (Socket::Core). Data moves through single-producer single-consumer byte
// rings; state changes are atomics; application threads sleep on `changed`, which the lcore
// signals. The lcore reads and writes the protocol objects (StackCore handles); application
// threads never do. Details and the rules per field: docs/api.md ("Threading model").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <multios/net/network_stack.hpp>
#include <multios/net/socket.hpp>

#include "api/byte_ring.hpp"
#include "api/intrusive_mpsc.hpp"
#include "pmd_glue/wait_word.hpp"
#include "stack/stack_core.hpp"

namespace multios::net::api {
class ApiShard;
struct PollerCore;
} // namespace multios::net::api

namespace multios::net {

/// Bits of Socket::Core::state.
namespace sockstate {
inline constexpr std::uint32_t kConnecting = 1u << 0;
inline constexpr std::uint32_t kConnected = 1u << 1;
inline constexpr std::uint32_t kPeerClosed = 1u << 2; ///< FIN received; rx ring has the rest
inline constexpr std::uint32_t kFailed = 1u << 3;     ///< Reset / timed out / refused
inline constexpr std::uint32_t kGone = 1u << 4;       ///< The lcore released the connection
inline constexpr std::uint32_t kShutWrite = 1u << 5;  ///< App: shutdown(Write) asked
inline constexpr std::uint32_t kShutRead = 1u << 6;   ///< App: shutdown(Read)
inline constexpr std::uint32_t kClosing = 1u << 7;    ///< App: close() asked
inline constexpr std::uint32_t kRxBlocked = 1u << 8;  ///< Lcore: rx ring was full
inline constexpr std::uint32_t kListening = 1u << 9;
inline constexpr std::uint32_t kClosed = 1u << 10;    ///< App side closed (calls: EBADF)
inline constexpr std::uint32_t kSentAll = 1u << 11;   ///< Lcore: tx ring drained + acked
inline constexpr std::uint32_t kStackDown = 1u << 12; ///< The stack stopped
} // namespace sockstate

/// Options as set by the application (applied when the protocol object is opened; some also
/// on a live connection).
struct SocketOptions {
    bool nonblocking = false;
    std::chrono::milliseconds rcvtimeo{0}, sndtimeo{0};
    bool reuse_address = false, reuse_port = false;
    bool keepalive = false;
    KeepaliveOptions keepalive_options;
    std::optional<std::chrono::seconds> linger;
    /// SO_RCVBUF / SO_SNDBUF; unset: the stack's TCP defaults and 256 KiB rings.
    std::optional<std::size_t> rcvbuf, sndbuf;
    std::size_t rx_ring() const { return rcvbuf.value_or(256 * 1024); }
    std::size_t tx_ring() const { return sndbuf.value_or(256 * 1024); }
    bool nodelay = false;
    std::optional<std::uint8_t> ttl;
    bool v6only = false;
    bool header_included = false;
};

struct Socket::Core : std::enable_shared_from_this<Socket::Core> {
    Core(SocketType t, AddressFamily f, int proto) : type(t), family(f), protocol(proto) {}

    const SocketType type;
    AddressFamily family; ///< Raw: fixed; stream/datagram: from bind/connect.
    const int protocol;

    // ---- Shared (atomics) ---------------------------------------------------------------
    std::atomic<std::uint32_t> state{0};
    std::atomic<int> pending_error{0}; ///< SO_ERROR, cleared when read.
    std::atomic<int> fatal_error{0};   ///< What send/recv return once the connection failed.
    glue::WaitWord changed;            ///< Signalled by the lcore on every readiness change.

    // Rings: stream bytes, or datagram records (api/datagram_record.hpp).
    std::unique_ptr<api::ByteRing> rx; ///< Stream: lcore -> app.
    std::unique_ptr<api::ByteRing> tx; ///< Lcore <- app (stream bytes or datagram records).
    /// Datagram/raw: one receive ring per lcore (every lcore may receive for the socket).
    std::vector<std::unique_ptr<api::ByteRing>> rx_parts;
    std::atomic<std::uint64_t> rx_dropped{0}; ///< Datagrams lost: receive ring full.

    // ---- Set before the socket is handed to its lcore, read-only after ------------------
    unsigned lcore = 0; ///< The lcore that owns the connection / sends the datagrams.
    std::shared_ptr<NetworkStack::Engine> engine;
    SocketOptions options; ///< App side; guarded by `app_mutex`.
    std::mutex app_mutex;  ///< Serializes option changes and control calls.
    std::mutex recv_mutex; ///< One receiver at a time (the rx ring has one consumer).
    std::mutex send_mutex; ///< One sender at a time.

    // Addresses: written before state publishes kConnected/kListening (release), read after.
    SocketAddress local{}, peer{};
    bool bound = false;          ///< App: bind() was called (guarded by app_mutex).
    bool connected_peer = false; ///< Datagram/raw connect() (guarded by app_mutex).

    // ---- Lcore only ---------------------------------------------------------------------
    TcpConnId conn = 0;
    std::vector<TcpListenerId> listeners;    ///< Per lcore (listening socket).
    std::vector<std::uint32_t> datagram_ids; ///< Per lcore (UDP / raw socket ids).
    bool shutdown_sent = false;
    /// SO_LINGER at close(): written by the app before it sets kClosing, read by the lcore
    /// after it sees kClosing. -1: off.
    int close_linger = -1;
    /// A listener's options for the connections it accepts (fixed at listen()).
    SocketOptions accept_options;
    bool detached = false; ///< The lcore is done with the protocol object.
    std::optional<std::chrono::steady_clock::time_point> linger_deadline;

    // ---- Listener: accepted connections, pushed by lcores, taken by the app ---------------
    Core* accept_next = nullptr;
    api::IntrusiveMpsc<Core, &Core::accept_next> accepted;
    std::atomic<bool> in_accept_queue{false};
    std::atomic<std::uint32_t> accept_count{0}; ///< Waiting connections (all lcores).
    std::uint32_t backlog = 128;
    std::vector<std::shared_ptr<Core>> app_accepted; ///< Taken, not yet returned (FIFO).

    // ---- Service request: the app asks the owning lcore to look at this socket -----------
    std::atomic<bool> service_pending{false};
    Core* service_next = nullptr;

    // ---- Poller registration ----------------------------------------------------------
    std::atomic<api::PollerCore*> poller{nullptr};
    std::atomic<std::uint64_t> poll_token{0};
    std::atomic<bool> poll_queued{false};

    std::uint32_t load_state() const { return state.load(std::memory_order_acquire); }
    void set_state(std::uint32_t bits) { state.fetch_or(bits, std::memory_order_seq_cst); }
    void clear_state(std::uint32_t bits) { state.fetch_and(~bits, std::memory_order_seq_cst); }
};

} // namespace multios::net
