// tunely: one binary for the server, the client and the admin CLI. Wiring only.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

#include "connect_command.hpp"
#include "db_command.hpp"
#include "server_command.hpp"
#include "tunnel_command.hpp"
#include "tunely/core/version.hpp"

namespace {

// Exit code of every usage error (the C++ and TypeScript CLIs agree: 0 ok, 1 failure, 2 usage).
constexpr int usage_exit_code = 2;

// The first word when it names no command ("tunely bogus"): CLI11 only says a subcommand is required.
std::string unknown_command(const CLI::App& app, int argc, char** argv) {
    if (argc < 2 || argv[1][0] == '-') return {};
    const std::string word = argv[1];
    for (const auto* sub : app.get_subcommands({}))
        if (sub->check_name(word)) return {};
    return word;
}

int usage_error(const CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
    if (auto word = unknown_command(app, argc, argv); !word.empty()) {
        std::string names;
        for (const auto* sub : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
        std::cerr << "error: unknown command '" << word << "' (commands: " << names << ")\n"
                  << "Run 'tunely --help' for usage.\n";
        return usage_exit_code;
    }
    std::cerr << "error: " << e.what() << "\nRun 'tunely --help' (or 'tunely COMMAND --help') for usage.\n";
    return usage_exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Tunely: expose services behind NAT through a WebSocket tunnel"};
    app.set_config("--config", "", "TOML config file (flags > environment > file > defaults)");
    app.require_subcommand(1);
    int exit_code = 0;
    tunely::app::add_server_command(app, exit_code);
    tunely::app::add_connect_command(app, exit_code);
    tunely::app::add_tunnel_command(app, exit_code);
    tunely::app::add_db_command(app, exit_code);
    app.add_subcommand("version", "Print the version")->callback([] { std::cout << "tunely " << tunely::version << "\n"; });
    app.set_version_flag("--version", std::string("tunely ") + tunely::version);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version print and exit 0; every usage error is one line naming what was wrong, a hint,
        // and exit 2 (CLI11's own codes, 100-120, mean nothing to a script).
        if (e.get_exit_code() == 0) return app.exit(e);
        return usage_error(app, argc, argv, e);
    }
    return exit_code;
}
