// SharedSegment: a memfd created, mapped, and attached again through its fd, in the same
// process and in a fork()ed child; the size seal keeps peers from truncating it.
#include <catch2/catch.hpp>

#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fork_child.hpp"
#include "shm/segment.hpp"

namespace multios::net::shm_test {

using shm::SharedSegment;

TEST_CASE("SharedSegment: create maps a zero-filled segment of the asked size", "[shm]") {
    auto seg = SharedSegment::create("multios-test", 8192);
    REQUIRE(seg);
    CHECK(seg->size() == 8192);
    CHECK(seg->fd() >= 0);
    CHECK(seg->data()[0] == std::byte{0});
    CHECK(seg->data()[8191] == std::byte{0});
    CHECK(::fcntl(seg->fd(), F_GETFD) & FD_CLOEXEC);
}

TEST_CASE("SharedSegment: attach through the fd sees the same bytes", "[shm]") {
    auto seg = SharedSegment::create("multios-test", 4096);
    REQUIRE(seg);
    auto other = SharedSegment::attach(seg->fd());
    REQUIRE(other);
    CHECK(other->size() == 4096);
    CHECK(other->fd() != seg->fd()); // attach keeps its own duplicate
    CHECK(other->data() != seg->data());
    std::memcpy(seg->data() + 100, "hello", 5);
    CHECK(std::memcmp(other->data() + 100, "hello", 5) == 0);
    other->data()[4095] = std::byte{0x5a};
    CHECK(seg->data()[4095] == std::byte{0x5a});
}

TEST_CASE("SharedSegment: a fork()ed child attaches and writes, the parent sees it", "[shm]") {
    auto seg = SharedSegment::create("multios-test", 4096);
    REQUIRE(seg);
    const int fd = seg->fd();
    const pid_t pid = fork_child([fd] {
        auto child = SharedSegment::attach(fd);
        if (!child || child->size() != 4096)
            return 1;
        std::memcpy(child->data() + 8, "from child", 10);
        return 0;
    });
    REQUIRE(wait_child(pid) == 0);
    CHECK(std::memcmp(seg->data() + 8, "from child", 10) == 0);
}

TEST_CASE("SharedSegment: the size is sealed", "[shm]") {
    auto seg = SharedSegment::create("multios-test", 4096);
    REQUIRE(seg);
    CHECK(::ftruncate(seg->fd(), 100) != 0);
    CHECK(::ftruncate(seg->fd(), 1 << 20) != 0);
    CHECK(seg->size() == 4096);
}

TEST_CASE("SharedSegment: attach refuses what is not a sealed, non-empty file", "[shm]") {
    SECTION("unsealed memfd (the peer could shrink it under us)") {
        const int fd = ::memfd_create("unsealed", MFD_CLOEXEC);
        REQUIRE(fd >= 0);
        REQUIRE(::ftruncate(fd, 4096) == 0);
        CHECK(SharedSegment::attach(fd).error() == std::errc::operation_not_permitted);
        ::close(fd);
    }
    SECTION("empty memfd") {
        const int fd = ::memfd_create("empty", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        REQUIRE(fd >= 0);
        CHECK(SharedSegment::attach(fd).error() == std::errc::invalid_argument);
        ::close(fd);
    }
    SECTION("a pipe") {
        int p[2];
        REQUIRE(::pipe(p) == 0);
        CHECK(SharedSegment::attach(p[0]).error() == std::errc::invalid_argument);
        ::close(p[0]);
        ::close(p[1]);
    }
    SECTION("a closed fd") {
        CHECK(SharedSegment::attach(-1).error() == std::errc::bad_file_descriptor);
    }
    SECTION("zero bytes") {
        CHECK(SharedSegment::create("zero", 0).error() == std::errc::invalid_argument);
    }
}

TEST_CASE("SharedSegment: moving transfers the mapping", "[shm]") {
    auto seg = SharedSegment::create("multios-test", 4096);
    REQUIRE(seg);
    SharedSegment a = std::move(*seg);
    CHECK(seg->data() == nullptr);
    CHECK(seg->fd() == -1);
    a.data()[0] = std::byte{1};
    SharedSegment b = std::move(a);
    CHECK(b.data()[0] == std::byte{1});
    CHECK(b.size() == 4096);
}

} // namespace multios::net::shm_test
