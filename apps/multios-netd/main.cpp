// multios-netd: the stack as a service for other processes (issue 6, docs/netd.md).
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <pthread.h>
#include <string>
#include <sys/signalfd.h>
#include <unistd.h>
#include <variant>
#include <vector>

#include <multios/net/network_stack.hpp>

#include "client_session.hpp"
#include "fork_tokens.hpp"
#include "netd_options.hpp"
#include "socket_registry.hpp"
#include "unix_listener.hpp"

namespace {

using namespace multios::net;
using namespace multios::net::netd;

// SIGTERM/SIGINT arrive through a signalfd on the main thread; every thread the stack and the
// daemon start inherits the blocked mask.
int block_stop_signals() {
    // A shell starts background jobs with SIGINT ignored; a signalfd never sees an ignored
    // signal, so take the default disposition back before blocking.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    return ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

class Daemon {
  public:
    Daemon(NetworkStack& stack, UnixListener listener)
        : registry_(stack), forks_(registry_), listener_(std::move(listener)) {}

    // Serves until a stop signal arrives on `signal_fd`.
    void serve(int signal_fd) {
        registry_.start();
        for (;;) {
            std::vector<pollfd> fds{{listener_.fd(), POLLIN, 0}, {signal_fd, POLLIN, 0}};
            for (const auto& p : pending_)
                fds.push_back({p.fd, POLLIN, 0});
            const int n = ::poll(fds.data(), fds.size(), 200);
            if (n < 0 && errno != EINTR)
                break;
            if ((fds[1].revents & POLLIN) != 0) {
                report_stop(signal_fd);
                break;
            }
            if ((fds[0].revents & POLLIN) != 0)
                accept_one();
            serve_pending();
            reap();
            forks_.expire();
        }
        stop();
    }

  private:
    // A client connected but has not sent its Hello yet: waited for without blocking the
    // others, for at most kHelloLimit.
    struct Pending {
        int fd;
        std::chrono::steady_clock::time_point deadline;
    };
    static constexpr auto kHelloLimit = std::chrono::seconds(10);

    void accept_one() {
        auto fd = listener_.accept_connection();
        if (fd)
            pending_.push_back({*fd, std::chrono::steady_clock::now() + kHelloLimit});
    }

    void serve_pending() {
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(pending_, [&](const Pending& p) {
            Hello hello;
            switch (UnixListener::read_hello(p.fd, hello)) {
            case UnixListener::HelloState::Ready:
                attach(p.fd, hello);
                return true;
            case UnixListener::HelloState::NotYet:
                if (now < p.deadline)
                    return false;
                [[fallthrough]];
            case UnixListener::HelloState::Refused:
                ::close(p.fd);
                return true;
            }
            return true;
        });
    }

    void attach(int fd, const Hello& hello) {
        const int flags = ::fcntl(fd, F_GETFL);
        ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK); // fd passing with plain blocking sends
        auto session = ClientSession::attach(registry_, forks_, fd, hello);
        if (!session) {
            std::fprintf(stderr, "multios-netd: client pid %u refused: %s\n", hello.pid,
                         session.error().message().c_str());
            return;
        }
        (*session)->start();
        sessions_.push_back(std::move(*session));
    }

    static void report_stop(int signal_fd) {
        signalfd_siginfo si{};
        if (::read(signal_fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si))
            std::printf("multios-netd: %s from pid %u, stopping\n",
                        strsignal(static_cast<int>(si.ssi_signo)), si.ssi_pid);
    }

    void reap() {
        std::erase_if(sessions_, [](const auto& s) { return s->finished(); });
    }

    void stop() {
        for (auto& s : sessions_)
            s->shut_down();
        sessions_.clear(); // joins each thread and closes its sockets
        for (const auto& p : pending_)
            ::close(p.fd);
        pending_.clear();
        registry_.stop();
    }

    SocketRegistry registry_;
    ForkTokens forks_;
    UnixListener listener_;
    std::vector<Pending> pending_;
    std::vector<std::unique_ptr<ClientSession>> sessions_;
};

int run(const NetdOptions& o) {
    const int signal_fd = block_stop_signals();
    if (signal_fd < 0) {
        std::perror("multios-netd: signalfd");
        return 1;
    }
    StackOptions so;
    so.lcores = o.lcores;
    so.eal_args = o.eal_args;
    so.pcap_file = o.pcap_file;
    so.config_file = o.config_file;
    NetworkStack stack(so);
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "multios-netd: the stack did not start: %s\n",
                     r.error().message().c_str());
        return 1;
    }
    auto listener = UnixListener::open(o.socket_path);
    if (!listener) {
        std::fprintf(stderr, "multios-netd: cannot listen on %s: %s\n", o.socket_path.c_str(),
                     listener.error() == std::errc::address_in_use
                         ? "another multios-netd answers there"
                         : listener.error().message().c_str());
        return 1;
    }
    std::printf("%s", stack.describe().c_str());
    std::printf("multios-netd: ready on %s\n", o.socket_path.c_str());
    std::fflush(stdout);
    {
        Daemon daemon(stack, std::move(*listener));
        daemon.serve(signal_fd);
    }
    stack.stop();
    std::printf("multios-netd: stopped\n");
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    auto parsed = parse_netd_options(args, std::getenv(kSocketPathVariable));
    if (auto* why = std::get_if<std::string>(&parsed)) {
        std::fprintf(stderr, "multios-netd: %s\n", why->c_str());
        return 2;
    }
    const auto& o = std::get<NetdOptions>(parsed);
    if (o.help) {
        std::fputs(netd_usage().c_str(), stdout);
        return 0;
    }
    return run(o);
}
