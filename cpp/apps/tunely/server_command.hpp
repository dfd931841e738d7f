#pragma once
#include <CLI/CLI.hpp>

#include "config_file.hpp"

namespace tunely::app {
// Registers `tunely server` (alias `serve`).
void add_server_command(CLI::App& app, int& exit_code, config_file& config);
}  // namespace tunely::app
