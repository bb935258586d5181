// Routing of one call: a stack socket goes to the client library, anything else to libc.
// The client library calls libc itself (close, poll, sendmsg on its own fds, possibly on a
// stack fd's eventfd while closing it); those calls land in the shim's wrappers again. A
// thread-local depth marks "inside the client library", and wrappers then go straight to libc,
// so the shim never recurses into the client library.
#pragma once

#include <multios/net/client.h>

namespace multios::net::preload {

// initial-exec: the shim is loaded at start-up (LD_PRELOAD), so its TLS is static and reading
// it is a plain %fs-relative load, no __tls_get_addr call.
inline thread_local int t_client_depth __attribute__((tls_model("initial-exec"))) = 0;

/// Held while a client-library function runs on this thread.
class ClientCall {
  public:
    ClientCall() { ++t_client_depth; }
    ~ClientCall() { --t_client_depth; }
    ClientCall(const ClientCall&) = delete;
    ClientCall& operator=(const ClientCall&) = delete;
};

inline bool inside_client() {
    return t_client_depth != 0;
}

/// True when `fd` must be served by the client library. mnet_is_socket is lock-free, so this is
/// the whole cost a kernel fd pays.
inline bool stack_fd(int fd) {
    return mnet_is_socket(fd) != 0 && !inside_client();
}

} // namespace multios::net::preload
