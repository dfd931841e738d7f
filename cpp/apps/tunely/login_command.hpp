#pragma once
#include <CLI/CLI.hpp>

namespace tunely::app {
// Registers `tunely login --server URL --admin-key KEY`: stores the key for the admin CLI (credentials.hpp).
void add_login_command(CLI::App& app, int& exit_code);
}  // namespace tunely::app
