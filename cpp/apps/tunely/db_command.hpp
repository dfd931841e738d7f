#pragma once
#include <CLI/CLI.hpp>

namespace tunely::app {
// Registers `tunely db upgrade|downgrade|current|history`.
void add_db_command(CLI::App& app, int& exit_code);
}  // namespace tunely::app
