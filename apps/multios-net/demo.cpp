// `demo`: a guided run that shows the stack working against the Linux kernel. It makes a
// private network namespace, starts `multios-net serve` inside it on a TAP port, and lets the
// kernel ping it and talk UDP to it, explaining each step. Everything stays inside the
// namespace, which is deleted at the end.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"

extern char** environ;

namespace multios::net::app {

namespace {

constexpr const char* kIface = "mdemo0";
constexpr const char* kStackV4 = "10.199.0.2";
constexpr const char* kStackV6 = "fd99::2";

void say(const std::string& text) {
    std::printf("\n== %s\n", text.c_str());
    std::fflush(stdout);
}

/// Runs a shell command, echoing it first; returns its exit status.
int run(const std::string& cmd, bool echo = true) {
    if (echo) {
        std::printf("$ %s\n", cmd.c_str());
        std::fflush(stdout);
    }
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 1;
}

int quiet(const std::string& cmd) {
    return run(cmd + " >/dev/null 2>&1", false);
}

bool wait_for(const std::string& cmd, std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (quiet(cmd) == 0)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
}

class Demo {
  public:
    Demo(std::string self) : self_(std::move(self)) {
        ns_ = "multios-demo-" + std::to_string(::getpid());
        log_ = "/tmp/" + ns_ + ".log";
    }
    ~Demo() { cleanup(); }

    int run_all();

  private:
    bool start_stack();
    void stop_stack();
    void cleanup();
    std::string in_ns(const std::string& cmd) const { return "ip netns exec " + ns_ + " " + cmd; }

    std::string self_, ns_, log_;
    pid_t child_ = -1;
    bool ns_made_ = false;
};

bool Demo::start_stack() {
    std::vector<std::string> args = {"ip",
                                     "netns",
                                     "exec",
                                     ns_,
                                     self_,
                                     "--vdev",
                                     std::string("net_tap0,iface=") + kIface,
                                     "--mac",
                                     "02:00:00:00:00:02",
                                     "--ip",
                                     std::string(kStackV4) + "/24",
                                     "--ip",
                                     std::string(kStackV6) + "/64",
                                     "serve",
                                     "--udp-echo",
                                     "7"};
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    const int rc = posix_spawnp(&child_, "ip", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        child_ = -1;
        return false;
    }
    return wait_for("ip -n " + ns_ + " link show " + kIface, std::chrono::seconds(20));
}

void Demo::stop_stack() {
    if (child_ <= 0)
        return;
    // `ip netns exec` execs the stack, so the child pid is the stack itself.
    ::kill(child_, SIGINT);
    int status = 0;
    for (int i = 0; i < 100 && ::waitpid(child_, &status, WNOHANG) == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (::waitpid(child_, &status, WNOHANG) == 0) {
        ::kill(child_, SIGKILL);
        ::waitpid(child_, &status, 0);
    }
    child_ = -1;
}

void Demo::cleanup() {
    stop_stack();
    if (ns_made_) {
        quiet("ip netns del " + ns_);
        ns_made_ = false;
    }
    std::remove(log_.c_str());
}

int Demo::run_all() {
    say("Setting up: a private network namespace '" + ns_ +
        "' so that nothing here touches the machine's real network");
    if (run("ip netns add " + ns_) != 0)
        return cli::kExitFailed;
    ns_made_ = true;
    quiet("ip -n " + ns_ + " link set lo up");

    say(std::string("Starting the stack inside it on a DPDK TAP port (") + kIface +
        "). The kernel sees the other end of that port as a normal network interface.");
    if (!start_stack()) {
        std::fprintf(stderr, "multios-net demo: the stack did not start; its log:\n");
        run("cat " + log_, false);
        return cli::kExitFailed;
    }
    run("ip -n " + ns_ + " addr add 10.199.0.1/24 dev " + kIface);
    run("ip -n " + ns_ + " -6 addr add fd99::1/64 dev " + kIface + " nodad");
    run("ip -n " + ns_ + " link set " + kIface + " up");
    // The stack's IPv6 address is usable once Duplicate Address Detection finishes (~1 s).
    wait_for(in_ns(std::string("ping -c 1 -W 1 ") + kStackV4), std::chrono::seconds(10));
    wait_for(in_ns(std::string("ping -6 -c 1 -W 1 ") + kStackV6), std::chrono::seconds(10));

    int failures = 0;
    say("1. The Linux kernel pings our stack over IPv4. First it must find our MAC address "
        "with ARP; our stack answers the ARP request, then each echo request.");
    failures += run(in_ns(std::string("ping -c 3 -i 0.2 ") + kStackV4)) != 0;

    say("2. A 4000-byte ping does not fit in one 1500-byte Ethernet frame: the kernel splits it "
        "into IP fragments, our stack reassembles them, and fragments its reply the same way.");
    failures += run(in_ns(std::string("ping -c 2 -i 0.2 -s 4000 ") + kStackV4)) != 0;

    say("3. The same over IPv6. Neighbor Discovery (NDP) replaces ARP.");
    failures += run(in_ns(std::string("ping -6 -c 3 -i 0.2 ") + kStackV6)) != 0;

    say("4. The kernel's neighbour table now holds our stack's MAC (02:00:00:00:00:02).");
    run("ip -n " + ns_ + " neigh show dev " + kIface);

    say("5. UDP: the stack echoes datagrams sent to port 7 back to the sender.");
    failures += run(in_ns(std::string("bash -c 'exec 3<>/dev/udp/") + kStackV4 +
                          "/7; echo \"hello from the kernel\" >&3; timeout 2 head -n 1 <&3'")) != 0;

    say("6. Stopping the stack (SIGINT). It prints what it counted: frames, ICMP, drops.");
    stop_stack();
    run("cat " + log_, false);

    say(failures == 0 ? "Demo finished: every step worked."
                      : "Demo finished with " + std::to_string(failures) + " failed step(s).");
    return failures == 0 ? cli::kExitOk : cli::kExitFailed;
}

} // namespace

int run_demo(const cli::CliConfig&, const char* self_path) {
    if (::geteuid() != 0) {
        std::fprintf(stderr, "multios-net demo: needs root (it creates a network namespace and a "
                             "TAP port); run it with sudo\n");
        return cli::kExitFailed;
    }
    if (quiet("command -v ip") != 0 || quiet("command -v ping") != 0) {
        std::fprintf(stderr, "multios-net demo: needs 'ip' (iproute2) and 'ping' (iputils-ping)\n");
        return cli::kExitFailed;
    }
    char exe[4096];
    const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    std::string self = n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : self_path;
    Demo demo(self);
    return demo.run_all();
}

} // namespace multios::net::app
