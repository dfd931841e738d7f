#pragma once
#include <CLI/CLI.hpp>

#include "config_file.hpp"

namespace tunely::app {
// Registers `tunely db upgrade|downgrade|current|history`.
void add_db_command(CLI::App& app, int& exit_code, config_file& config);
}  // namespace tunely::app
