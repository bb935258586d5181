// glue-tests entry point. Normal run: start EAL once, open the ports, run Catch2.
// "--eal-child <user-args> [vdev...]": start EAL with the given vdevs in this fresh process
// and print last_error() (used by tests of start-up errors, which need a fresh process).
// "--runtime-child": a two-lcore glue::LcoreRuntime in this fresh process
// (lcore_runtime_test.cpp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "glue_env.hpp"
#include "pmd_glue/eal.hpp"
#include "pmd_glue/glue_error.hpp"

namespace multios::net::glue::test {

namespace {
std::unique_ptr<PortSet> g_ports;
const char* g_self = nullptr;

int eal_child(int argc, char** argv) {
    EalOptions options;
    options.program_name = "glue-child";
    options.user_args = argc > 2 ? argv[2] : "";
    for (int i = 3; i < argc; ++i) {
        options.vdevs.emplace_back(argv[i]);
    }
    auto started = start_eal(options);
    std::printf("%s\n", started ? "started" : last_error().c_str());
    stop_eal();
    return started ? 0 : 1;
}
} // namespace

int runtime_child(); // lcore_runtime_test.cpp

PortSet& ports() {
    return *g_ports;
}
const char* self_path() {
    return g_self;
}

} // namespace multios::net::glue::test

int main(int argc, char** argv) {
    using namespace multios::net::glue;
    test::g_self = argv[0];
    if (argc >= 2 && std::strcmp(argv[1], "--eal-child") == 0) {
        return test::eal_child(argc, argv);
    }
    if (argc >= 2 && std::strcmp(argv[1], "--runtime-child") == 0) {
        return test::runtime_child();
    }
    EalOptions options;
    options.program_name = "glue-tests";
    options.vdevs = {"net_ring0", "net_ring1", "net_null0,no-rx=1"};
    if (auto started = start_eal(options); !started) {
        std::fprintf(stderr, "glue-tests: %s\n", last_error().c_str());
        return 2;
    }
    PortSetConfig config;
    // A locally administered MAC for if2 (net_ring cannot change its MAC, net_null can).
    config.macs = {std::nullopt, std::nullopt,
                   multios::net::MacAddress{{0x02, 0x00, 0x00, 0x6d, 0x6f, 0x01}}};
    auto opened = PortSet::open(config);
    if (!opened) {
        std::fprintf(stderr, "glue-tests: %s\n", last_error().c_str());
        stop_eal();
        return 2;
    }
    test::g_ports = std::move(opened.value());
    int rc = Catch::Session().run(argc, argv);
    test::g_ports.reset();
    stop_eal();
    return rc;
}
