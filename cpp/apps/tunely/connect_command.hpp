#pragma once
#include <CLI/CLI.hpp>

namespace tunely::app {
// Registers `tunely connect`.
void add_connect_command(CLI::App& app, int& exit_code);
}  // namespace tunely::app
