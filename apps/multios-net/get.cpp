// PLACEHOLDER (the http helper replaces it): `get URL [-o FILE]`.
#include <cstdio>

#include "commands.hpp"

namespace multios::net::app {

int run_get(const cli::CliConfig&) {
    std::fprintf(stderr, "multios-net: get is not implemented yet\n");
    return cli::kExitFailed;
}

} // namespace multios::net::app
