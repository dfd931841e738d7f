#pragma once
#include <CLI/CLI.hpp>

#include "config_file.hpp"

namespace tunely::app {
// Registers `tunely tunnel create|list|show|update|delete|rotate-token`.
void add_tunnel_command(CLI::App& app, int& exit_code, config_file& config);
}  // namespace tunely::app
