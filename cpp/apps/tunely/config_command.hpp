#pragma once
#include <CLI/CLI.hpp>

#include "config_file.hpp"

namespace tunely::app {
// Registers `tunely config check FILE`: checks a config file without running anything (exit 0, or 2 with the
// error line).
void add_config_command(CLI::App& app, int& exit_code, config_file& config);
}  // namespace tunely::app
