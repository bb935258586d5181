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
    /// Accepts one client and reads its Hello (2 s limit). The fd is the caller's on success.
    Result<std::pair<int, Hello>> accept_client() const;

  private:
    UnixListener(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;
    std::string path_;
};

} // namespace multios::net::netd
