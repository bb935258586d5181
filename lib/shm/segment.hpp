// A shared-memory segment backed by a memfd: the daemon creates it, passes the fd to a client
// over a Unix socket (fd_passing.hpp), and both map the same pages. The size is sealed at
// creation (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) so that neither side can truncate the
// file under the other's mapping (which would turn every access into SIGBUS); attach() refuses
// an fd without F_SEAL_SHRINK for that reason. Layout of what lives inside: docs/shm.md.
#pragma once

#include <cstddef>
#include <string_view>

#include <multios/net/result.hpp>

namespace multios::net::shm {

class SharedSegment {
  public:
    /// Largest segment attach() accepts (bounded memory even if a peer passes a huge file).
    static constexpr std::size_t kMaxBytes = std::size_t{1} << 32;

    /// Creates a sealed memfd of `bytes` bytes (zero-filled) named `name` (shown in
    /// /proc/PID/fd, truncated to 249 bytes) and maps it read-write, shared.
    /// EINVAL when `bytes` is 0 or above kMaxBytes; errno of memfd_create/ftruncate/mmap.
    static Result<SharedSegment> create(std::string_view name, std::size_t bytes);
    /// Maps the memfd `fd` (typically received with recv_fd). The segment keeps its own
    /// duplicate of `fd`; the caller still owns and closes `fd`. The size comes from fstat.
    /// EINVAL: not a regular file, empty, or above kMaxBytes; EPERM: not sealed against shrinking.
    static Result<SharedSegment> attach(int fd);

    SharedSegment(SharedSegment&& other) noexcept;
    SharedSegment& operator=(SharedSegment&& other) noexcept;
    SharedSegment(const SharedSegment&) = delete;
    SharedSegment& operator=(const SharedSegment&) = delete;
    ~SharedSegment();

    /// The segment's memfd (owned by the segment; pass it with send_fd, do not close it).
    int fd() const noexcept { return fd_; }
    /// Start of the mapping (page-aligned).
    std::byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept { return size_; }

  private:
    SharedSegment(int fd, std::byte* data, std::size_t size) noexcept
        : fd_(fd), data_(data), size_(size) {}
    void release() noexcept;

    int fd_ = -1;
    std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

} // namespace multios::net::shm
