#pragma once
#include <CLI/CLI.hpp>

namespace tunely::app {
// Registers `tunely server` (alias `serve`).
void add_server_command(CLI::App& app, int& exit_code);
}  // namespace tunely::app
