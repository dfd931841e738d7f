// tunely: one binary for the server, the client and the admin CLI. Wiring only.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <string_view>
#include <string>

#include "config_command.hpp"
#include "config_file.hpp"
#include "connect_command.hpp"
#include "db_command.hpp"
#include "login_command.hpp"
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

// CLI11 lists the arguments it did not expect, values included: `--admin-kye SECRET` would print the secret. Only
// the unknown flags are named (without an =value); other words are counted.
std::string unexpected_arguments(const CLI::App& app) {
    std::string flags;
    std::size_t words = 0;
    for (const auto& arg : app.remaining(true)) {
        if (arg.size() < 2 || arg[0] != '-') {
            ++words;
            continue;
        }
        flags += (flags.empty() ? "" : ", ") + arg.substr(0, arg.find('='));
    }
    std::string said = flags.empty() ? "" : "unknown option " + flags;
    if (words > 0)
        said += (said.empty() ? "" : " and ") + std::to_string(words) + " unexpected argument" + (words > 1 ? "s" : "") +
                " (not repeated here: values may be secrets)";
    return said;
}

int usage_error(const CLI::App& app, int argc, char** argv, const CLI::ParseError& e) {
    if (auto word = unknown_command(app, argc, argv); !word.empty()) {
        std::string names;
        for (const auto* sub : app.get_subcommands({})) names += (names.empty() ? "" : ", ") + sub->get_name();
        std::cerr << "error: unknown command '" << word << "' (commands: " << names << ")\n"
                  << "Run 'tunely --help' for usage.\n";
        return usage_exit_code;
    }
    const auto extras = dynamic_cast<const CLI::ExtrasError*>(&e) ? unexpected_arguments(app) : std::string();
    std::string said = extras.empty() ? std::string(e.what()) : extras;
    // `tunely server -h`: -h is --host there, as in the original (tunely-0.12.md §8).
    if (said.rfind("--host:", 0) == 0 && std::find(argv, argv + argc, std::string_view("-h")) != argv + argc)
        said += " (on `tunely server`, -h is --host as in the original Tunely; help is --help)";
    std::cerr << "error: " << said << "\nRun 'tunely --help' (or 'tunely COMMAND --help') for usage.\n";
    return usage_exit_code;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Tunely: expose services behind NAT through a WebSocket tunnel"};
    app.require_subcommand(1);
    int exit_code = 0;
    // One config file for every command: `tunely --config F COMMAND` or `tunely COMMAND --config F`.
    tunely::app::config_file config;
    config.add_option(&app);
    tunely::app::add_server_command(app, exit_code, config);
    tunely::app::add_connect_command(app, exit_code, config);
    tunely::app::add_tunnel_command(app, exit_code, config);
    tunely::app::add_login_command(app, exit_code);
    tunely::app::add_db_command(app, exit_code, config);
    tunely::app::add_config_command(app, exit_code, config);
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
