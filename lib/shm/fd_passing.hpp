// Passing one file descriptor (the segment's memfd, an eventfd) plus a small payload over a
// connected AF_UNIX socket with SCM_RIGHTS (unix(7)). This is how the daemon hands a client its
// shared-memory segment: DPDK multi-process is not usable here (see issue 6).
#pragma once

#include <cstddef>
#include <span>

#include <multios/net/result.hpp>

namespace multios::net::shm {

/// Largest payload accepted by send_fd (the kernel needs at least one data byte to carry the
/// ancillary data, so the payload is also at least one byte).
inline constexpr std::size_t kMaxFdPayload = 4096;

/// Sends `fd` and `payload` (1..kMaxFdPayload bytes) over the connected AF_UNIX socket `sock`
/// (SOCK_STREAM or SOCK_SEQPACKET). Retries on EINTR; on a stream socket a short write is
/// completed with plain sends (the fd travels with the first byte). Never raises SIGPIPE.
/// EINVAL: bad payload size or fd < 0; otherwise errno of sendmsg (EPIPE: peer gone).
Result<void> send_fd(int sock, int fd, std::span<const std::byte> payload);

/// Receives one fd and up to payload_out.size() bytes with a single recvmsg (retried on EINTR);
/// the bytes read are stored in *payload_len. The fd is opened close-on-exec and owned by the
/// caller. Extra fds a misbehaving peer attaches are closed, never leaked.
/// ECONNRESET: the peer closed the socket; EBADMSG: data arrived without an fd, or ancillary
/// data was truncated; EMSGSIZE: a SEQPACKET message was longer than payload_out (fd closed).
Result<int> recv_fd(int sock, std::span<std::byte> payload_out, std::size_t* payload_len);

} // namespace multios::net::shm
