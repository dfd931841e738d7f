// tunely: one binary for the server, the client and the admin CLI. Wiring only.
#include <CLI/CLI.hpp>

#include <iostream>

#include "connect_command.hpp"
#include "db_command.hpp"
#include "server_command.hpp"
#include "tunnel_command.hpp"
#include "tunely/core/version.hpp"

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
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    return exit_code;
}
