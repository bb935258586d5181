// netd-client-tests entry point: libmultios-client's C API against a running multios-netd
// ($MULTIOS_NETD) whose stack talks to kernel peers in the test namespace. Run by
// test/integration/netd_client.sh; without $MULTIOS_NETD it refuses to start (the hidden
// no-daemon case sets it to a path where no daemon is).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (std::getenv("MULTIOS_NETD") == nullptr) {
        std::fprintf(stderr,
                     "netd-client-tests: set MULTIOS_NETD (see test/integration/netd_client.sh)\n");
        return 2;
    }
    return Catch::Session().run(argc, argv);
}
