// One stack socket as the daemon holds it for its clients: the Socket, the eventfd that mirrors
// its readability into client processes, the readiness words of every client slot that refers to
// it, and what the client-side Berkeley semantics need beyond Socket (MSG_PEEK data, option
// values to echo back).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <multios/net/socket.hpp>

namespace multios::net::netd {

class ClientSession;

inline constexpr std::size_t kCorkLimit = 64 * 1024;

struct Subscriber {
    ClientSession* client;
    std::uint32_t slot;
};

struct StackSocket {
    StackSocket(std::uint64_t id_, Socket s, int efd, int domain_, int type_)
        : id(id_), socket(std::move(s)), eventfd(efd), domain(domain_), type(type_) {}

    const std::uint64_t id;
    Socket socket;
    const int eventfd;
    const int domain; ///< AF_INET / AF_INET6 as the client created it
    const int type;   ///< SOCK_STREAM / SOCK_DGRAM / SOCK_RAW

    /// Guards everything below. Readiness is recomputed and published under it, so the last
    /// publisher always saw the newest state (no stale overwrite).
    std::mutex mutex;
    std::uint32_t published = 0;   ///< poll(2) bits last published
    std::uint64_t efd_counter = 0; ///< the eventfd's counter as we set it
    std::vector<Subscriber> subscribers;
    unsigned refs = 0; ///< client slots (and fork snapshots) referring to this socket

    /// Bytes received for MSG_PEEK / FIONREAD and not yet handed out (one datagram for UDP).
    std::vector<std::byte> stash;
    std::size_t stash_off = 0;
    SocketAddress stash_from;
    bool stashed = false; ///< stash holds data (a datagram may be empty)

    /// TCP_CORK: stream data held back while corked (at most kCorkLimit bytes) and sent as one
    /// piece when the application uncorks, shuts down or closes, or the limit is reached —
    /// what nginx's sendfile + tcp_nopush relies on to send a header and a body in one segment.
    bool corked = false;
    std::vector<std::byte> cork;

    /// Option values set through setsockopt that getsockopt reports back as given.
    std::map<std::pair<int, int>, std::vector<std::byte>> options;
    KeepaliveOptions keepalive;

    /// Sends what the cork holds (under `mutex`); true when nothing is left held back.
    bool flush_cork() {
        while (!cork.empty()) {
            auto n = socket.send(cork);
            if (!n || *n == 0)
                return false;
            cork.erase(cork.begin(), cork.begin() + static_cast<std::ptrdiff_t>(*n));
        }
        return true;
    }
};

} // namespace multios::net::netd
