#pragma once
// --log-level for `server` and `connect`: one list of level names, refused when unknown (spdlog reads an
// unknown name as "off", so `--log-level verbose` used to silence everything), and one line format for every
// log line: ISO 8601 local time with its UTC offset, the level, the message.
#include <string>

#include <CLI/CLI.hpp>

namespace tunely::app {

// Adds --log-level (env TUNELY_LOG_LEVEL) bound to `level`.
CLI::Option* add_log_level_option(CLI::App* cmd, std::string& level);

// Applies `level` (one add_log_level_option() accepted) and the line format to the default logger.
void apply_log_options(const std::string& level);

}  // namespace tunely::app
