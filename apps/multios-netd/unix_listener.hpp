// The daemon's pathname Unix socket (mode 0666, so clients that dropped privileges can attach):
// refuses to steal a path another live daemon listens on, replaces a stale one.
#pragma once

#include <string>

#include <multios/net/result.hpp>

#include "netd/protocol.hpp"

namespace multios::net::netd {

class UnixListener {
  public:
    /// EADDRINUSE when a daemon already answers on `path`.
    static Result<UnixListener> open(const std::string& path);
    UnixListener(UnixListener&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }
    UnixListener& operator=(UnixListener&&) = delete;
    ~UnixListener();

    int fd() const { return fd_; }
    /// Accepts one connection (close-on-exec, non-blocking). The fd is the caller's.
    Result<int> accept_connection() const;

    enum class HelloState { Ready, NotYet, Refused };
    /// Reads a client's Hello once it has fully arrived, without blocking: NotYet while it is
    /// incomplete; Refused for a closed connection or another protocol (the client is told
    /// EPROTO; the caller closes the fd).
    static HelloState read_hello(int fd, Hello& out);

  private:
    UnixListener(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

} // namespace multios::net::netd
