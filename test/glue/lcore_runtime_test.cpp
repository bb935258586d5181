// glue::LcoreRuntime, the multi-core engine, driven through its library API (no CLI): with two
// lcores on a two-queue net_null port, every shard runs on its own EAL lcore thread, a message
// posted with run_on_each runs there, an active open made on lcore 1 through a message picks a
// flow lcore 1 owns, a message posted from a plain std::thread runs on its lcore, the
// snapshots count the opens, and the runtime stops and frees cleanly.
// EAL starts once per process, so the runtime runs in a child process of this binary
// ("--runtime-child"), which prints one line per finding; the test checks the lines.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <rte_lcore.h>

#include "glue_env.hpp"
#include "pmd_glue/lcore_runtime.hpp"

namespace multios::net::glue::test {

int runtime_child() {
    RuntimeConfig rc;
    rc.lcores = 2;
    RuntimePort port;
    port.vdev = "net_null0,no-rx=1";
    port.addresses = {*IpPrefix::parse("10.0.0.2/24")};
    port.mac = MacAddress{{0x02, 0, 0, 0, 0, 0x02}};
    rc.ports.push_back(port);
    rc.seed = 7;
    auto rt = LcoreRuntime::start(rc);
    if (!rt) {
        std::printf("start failed\n");
        return 1;
    }
    std::printf("lcores %u\n", rt->lcore_count());
    std::vector<unsigned> ran_on(rt->lcore_count(), 99);
    std::vector<std::uint16_t> owner(rt->lcore_count(), 99);
    const bool answered = rt->run_on_each([&](Shard& s) {
        ran_on[s.lcore] = rte_lcore_id();
        // An active open from this lcore's own thread (its shard is only touched here).
        auto c = s.stack->tcp_connect(IpAddress{Ipv4Address{{10, 0, 0, 1}}}, 80, s.loop->now());
        if (c)
            owner[s.lcore] = rt->steering().owner(s.stack->tcp_connection(*c)->tuple());
    });
    std::printf("answered %d\n", answered ? 1 : 0);
    for (unsigned l = 0; l < rt->lcore_count(); ++l)
        std::printf("shard %u ran on lcore %u, its connection is owned by %u\n", l, ran_on[l],
                    owner[l]);
    // A thread that is no lcore (an application thread) reaches lcore 1 by a message.
    unsigned posted_ran_on = 99;
    ControlMessage from_app([&](Instant) { posted_ran_on = rte_lcore_id(); });
    std::thread app([&] {
        if (!rt->post(1, from_app))
            return;
        for (int i = 0; i < 2000 && !from_app.done(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
    app.join();
    std::printf("message from a non-lcore thread ran on lcore %u\n",
                from_app.done() ? posted_ran_on : 99u);
    for (const auto& snap : rt->snapshots())
        std::printf("snapshot %u opened %llu\n", snap.lcore,
                    static_cast<unsigned long long>(snap.tcp.flows));
    rt->stop_workers();
    rt.reset();
    std::printf("stopped\n");
    return 0;
}

namespace {

std::string run_runtime_child() {
    const std::string cmd = std::string(self_path()) + " --runtime-child 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr)
        out += buf;
    pclose(p);
    return out;
}

} // namespace

TEST_CASE("lcore runtime: two lcores through the library API", "[glue][runtime]") {
    const std::string out = run_runtime_child();
    INFO(out);
    CHECK(out.find("lcores 2\n") != std::string::npos);
    CHECK(out.find("answered 1\n") != std::string::npos);
    CHECK(out.find("shard 0 ran on lcore 0, its connection is owned by 0\n") != std::string::npos);
    CHECK(out.find("shard 1 ran on lcore 1, its connection is owned by 1\n") != std::string::npos);
    CHECK(out.find("message from a non-lcore thread ran on lcore 1\n") != std::string::npos);
    CHECK(out.find("snapshot 0 opened 1\n") != std::string::npos);
    CHECK(out.find("snapshot 1 opened 1\n") != std::string::npos);
    CHECK(out.find("stopped\n") != std::string::npos);
}

} // namespace multios::net::glue::test
