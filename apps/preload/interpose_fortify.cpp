// _FORTIFY_SOURCE entry points of the data calls that Debian's binaries call instead of
// read/recv/recvfrom (glibc debug/read_chk.c, recv_chk.c, recvfrom_chk.c): the buffer-size
// check, then the same routing as the plain call. (__poll_chk/__ppoll_chk: interpose_poll.cpp;
// select's __fdelt_chk only checks an fd number and needs nothing.)
#undef _FORTIFY_SOURCE
#include "export.hpp"

#include <sys/socket.h>
#include <unistd.h>

extern "C" [[noreturn]] void __chk_fail();

MULTIOS_PRELOAD_EXPORT ssize_t __read_chk(int fd, void* buf, size_t len, size_t buflen) {
    if (len > buflen) {
        __chk_fail();
    }
    return read(fd, buf, len);
}

MULTIOS_PRELOAD_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t len, size_t buflen, int flags) {
    if (len > buflen) {
        __chk_fail();
    }
    return recv(fd, buf, len, flags);
}

MULTIOS_PRELOAD_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t len, size_t buflen,
                                              int flags, sockaddr* from, socklen_t* fromlen) {
    if (len > buflen) {
        __chk_fail();
    }
    return recvfrom(fd, buf, len, flags, from, fromlen);
}
