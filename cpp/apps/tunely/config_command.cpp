#include "config_command.hpp"

#include <iostream>
#include <memory>

namespace tunely::app {

void add_config_command(CLI::App& app, int& exit_code, config_file& config) {
    auto* cmd = app.add_subcommand("config", "Config file tools");
    cmd->require_subcommand(1);
    auto file = std::make_shared<std::string>();
    auto* check = cmd->add_subcommand("check", "Check a TOML config file: syntax, sections, keys and value types");
    check->add_option("file", *file, "The config file")->required();
    check->callback([file, &config, &exit_code] {
        if (!config.check(*file)) {
            exit_code = 2;
            return;
        }
        std::cout << *file << ": ok\n";
    });
}

}  // namespace tunely::app
