#include "shm/segment.hpp"

#include <cerrno>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace multios::net::shm {

namespace {

// memfd_create's name limit is 249 bytes plus the "memfd:" prefix the kernel adds.
constexpr std::size_t kMaxName = 249;

Result<std::byte*> map_shared(int fd, std::size_t bytes) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        return fail(errno);
    return static_cast<std::byte*>(p);
}

// Sizes are fixed for the segment's life: a peer that could shrink the file would make our
// accesses beyond the new end fault with SIGBUS.
constexpr int kSizeSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

} // namespace

Result<SharedSegment> SharedSegment::create(std::string_view name, std::size_t bytes) {
    if (bytes == 0 || bytes > kMaxBytes)
        return fail(EINVAL);
    const std::string cname(name.substr(0, kMaxName));
    const int fd = ::memfd_create(cname.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return fail(errno);
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0 ||
        ::fcntl(fd, F_ADD_SEALS, kSizeSeals) != 0) {
        const int err = errno;
        ::close(fd);
        return fail(err);
    }
    auto mapped = map_shared(fd, bytes);
    if (!mapped) {
        ::close(fd);
        return fail(mapped.error());
    }
    return SharedSegment(fd, *mapped, bytes);
}

Result<SharedSegment> SharedSegment::attach(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        return fail(errno);
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 ||
        static_cast<unsigned long long>(st.st_size) > kMaxBytes)
        return fail(EINVAL);
    const int seals = ::fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & F_SEAL_SHRINK) == 0)
        return fail(EPERM);
    const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (own < 0)
        return fail(errno);
    const auto bytes = static_cast<std::size_t>(st.st_size);
    auto mapped = map_shared(own, bytes);
    if (!mapped) {
        ::close(own);
        return fail(mapped.error());
    }
    return SharedSegment(own, *mapped, bytes);
}

SharedSegment::SharedSegment(SharedSegment&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

SharedSegment& SharedSegment::operator=(SharedSegment&& other) noexcept {
    if (this != &other) {
        release();
        fd_ = std::exchange(other.fd_, -1);
        data_ = std::exchange(other.data_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

SharedSegment::~SharedSegment() {
    release();
}

void SharedSegment::release() noexcept {
    if (data_ != nullptr)
        ::munmap(data_, size_);
    if (fd_ >= 0)
        ::close(fd_);
    fd_ = -1;
    data_ = nullptr;
    size_ = 0;
}

} // namespace multios::net::shm
