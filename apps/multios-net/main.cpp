// multios-net: the command-line front end of the stack (grammar in docs/cli.md).
#include <cstdio>

#include "cli_args.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
    using namespace multios::net;
    const cli::ParseOutcome parsed = cli::parse_cli(argc, argv);
    if (!parsed.ok()) {
        std::FILE* out = parsed.kind == cli::ParseOutcome::Kind::Help ? stdout : stderr;
        std::fputs(parsed.message.c_str(), out);
        if (!parsed.message.empty() && parsed.message.back() != '\n')
            std::fputc('\n', out);
        return parsed.exit_code();
    }
    const cli::CliConfig& cfg = parsed.config;
    switch (cfg.command) {
    case cli::Command::Serve:
        return app::run_serve(cfg);
    case cli::Command::Ping:
        return app::run_ping(cfg);
    case cli::Command::Demo:
        return app::run_demo(cfg, argv[0]);
    case cli::Command::Get:
        return app::run_get(cfg);
    case cli::Command::Simulate:
        return app::run_simulate(cfg);
    case cli::Command::Load:
        return app::run_load(cfg);
    }
    return cli::kExitUsage;
}
