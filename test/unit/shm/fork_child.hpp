// Test helper for the shm area: run a function in a fork()ed child and collect its exit code.
// The child never returns into Catch2; it reports through its exit status only.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

namespace multios::net::shm_test {

/// Forks, runs `body()` (returning an exit code, 0 = success) in the child and returns the
/// pid; wait_child() collects it.
template <class Body>
pid_t fork_child(Body&& body) {
    const pid_t pid = ::fork();
    if (pid == 0)
        ::_exit(body());
    return pid;
}

/// The child's exit code, or -1 if it did not exit normally (crashed, killed).
inline int wait_child(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace multios::net::shm_test
