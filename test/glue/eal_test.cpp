// EAL start-up: argument building (pure) and start-up errors (in a child process, since EAL
// starts only once per process).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>

#include <unistd.h>

#include "glue_env.hpp"
#include "pmd_glue/eal.hpp"
#include "pmd_glue/glue_error.hpp"

using namespace multios::net::glue;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

/// Runs this binary in "--eal-child" mode and returns its output line.
std::string run_child(const std::string& user_args, const std::string& vdevs) {
    std::string cmd = std::string(test::self_path()) + " --eal-child '" + user_args + "' " + vdevs +
                      " 2>/dev/null";
    std::FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p) != nullptr) {
        out += buf;
    }
    pclose(p);
    return out;
}

} // namespace

TEST_CASE("eal args without hugepages use --no-huge and a private prefix", "[glue][eal]") {
    EalOptions o;
    o.vdevs = {"net_ring0"};
    auto args = build_eal_args(o, HostFacts{false, true, true, {}});
    REQUIRE(args);
    CHECK(args->front() == "multios-net");
    CHECK(has(*args, "-l0"));
    CHECK(has(*args, "--no-pci"));
    CHECK(has(*args, "--no-huge"));
    CHECK(has(*args, "--no-shconf"));
    CHECK(has(*args, "--no-telemetry"));
    CHECK(has(*args, "--file-prefix=multios-" + std::to_string(getpid())));
    CHECK_FALSE(has(*args, "--in-memory"));
}

TEST_CASE("eal args with hugepages use --in-memory", "[glue][eal]") {
    EalOptions o;
    o.lcores = 2;
    auto args = build_eal_args(o, HostFacts{true, true, true, {}});
    REQUIRE(args);
    CHECK(has(*args, "--in-memory"));
    CHECK(has(*args, "-l0-1"));
    CHECK_FALSE(has(*args, "--no-huge"));
}

TEST_CASE("eal lcores go round-robin onto the allowed cpus", "[glue][eal]") {
    EalOptions o;
    o.lcores = 3;
    auto args = build_eal_args(o, HostFacts{false, true, true, {2, 5}});
    REQUIRE(args);
    CHECK(has(*args, "--lcores=0@2,1@5,2@2"));
    o.lcores = 1;
    args = build_eal_args(o, HostFacts{false, true, true, {7}});
    REQUIRE(args);
    CHECK(has(*args, "--lcores=0@7"));
}

TEST_CASE("user eal args come last so they override defaults", "[glue][eal]") {
    EalOptions o;
    o.user_args = "  -m 1024\t--log-level=lib.eal:debug ";
    auto args = build_eal_args(o, HostFacts{});
    REQUIRE(args);
    REQUIRE(args->size() >= 3);
    CHECK((*args)[args->size() - 3] == "-m");
    CHECK((*args)[args->size() - 2] == "1024");
    CHECK(args->back() == "--log-level=lib.eal:debug");
}

TEST_CASE("core selection inside user eal args is refused", "[glue][eal]") {
    for (const char* bad : {"-l 0-1", "-l0", "--lcores=0@1", "--lcores 1", "-c 0x3", "-c3"}) {
        EalOptions o;
        o.user_args = std::string("-m 256 ") + bad;
        auto args = build_eal_args(o, HostFacts{});
        CHECK_FALSE(args);
        CHECK(last_error().find("not allowed in --eal-args") != std::string::npos);
    }
    EalOptions zero;
    zero.lcores = 0;
    CHECK_FALSE(build_eal_args(zero, HostFacts{}));
}

TEST_CASE("start_eal names a vdev that cannot be probed", "[glue][eal][integration]") {
    std::string out = run_child("", "net_bogus0,x=1");
    CHECK(out.find("probe failed for vdev 'net_bogus0'") != std::string::npos);
}

TEST_CASE("start_eal reports a vdev with bad arguments", "[glue][eal][integration]") {
    std::string out = run_child("", "net_ring0 net_ring1,nodeaction=bad:0:BAD");
    CHECK(out.find("probe failed for vdev 'net_ring1'") != std::string::npos);
}

TEST_CASE("start_eal reports no ports found", "[glue][eal][integration]") {
    std::string out = run_child("", "");
    CHECK(out.find("no ports found") != std::string::npos);
}

TEST_CASE("start_eal reports an eal init failure in one line", "[glue][eal][integration]") {
    // DPDK 22.11 refuses --in-memory together with --no-huge (which we use without hugepages).
    // EAL prints its usage text to stdout first; our line is the last one.
    std::string out = run_child("--in-memory --no-huge", "net_ring0");
    auto last = out.rfind('\n', out.size() - 2);
    std::string line = last == std::string::npos ? out : out.substr(last + 1);
    CHECK(line.find("multios-net: EAL init failed: Invalid argument") == 0);
}

TEST_CASE("start_eal in a child with a good vdev starts", "[glue][eal][integration]") {
    std::string out = run_child("", "net_null0");
    CHECK(out == "started\n");
}
