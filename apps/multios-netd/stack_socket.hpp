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

    /// Option values set through setsockopt that getsockopt reports back as given.
    std::map<std::pair<int, int>, std::vector<std::byte>> options;
    KeepaliveOptions keepalive;
};

} // namespace multios::net::netd
