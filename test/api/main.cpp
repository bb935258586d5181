// api-tests entry point: starts the default NetworkStack once (its interfaces come from
// $MULTIOS_NET_CONFIG), runs Catch2 on it, stops it. EAL can start only once per process, so
// every test of a run shares this stack.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

#include <multios/net.hpp>

int main(int argc, char** argv) {
    if (std::getenv("MULTIOS_NET_CONFIG") == nullptr) {
        std::fprintf(stderr,
                     "api-tests: set MULTIOS_NET_CONFIG (see test/integration/socket_api.sh)\n");
        return 2;
    }
    multios::net::NetworkStack stack;
    if (auto r = stack.start(); !r) {
        std::fprintf(stderr, "api-tests: cannot start the stack: %s\n",
                     r.error().message().c_str());
        return 1;
    }
    std::printf("api-tests: stack running: %s\n", stack.describe().c_str());
    std::fflush(stdout);
    const int rc = Catch::Session().run(argc, argv);
    stack.stop();
    return rc;
}
