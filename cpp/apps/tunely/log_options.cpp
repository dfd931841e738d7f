#include "log_options.hpp"

#include <spdlog/spdlog.h>

namespace tunely::app {

CLI::Option* add_log_level_option(CLI::App* cmd, std::string& level) {
    return cmd->add_option("--log-level", level, "trace|debug|info|warn|error|critical|off")
        ->envname("TUNELY_LOG_LEVEL")
        ->capture_default_str()
        ->transform(CLI::IsMember({"trace", "debug", "info", "warn", "warning", "error", "critical", "off"},
                                  CLI::ignore_case));
}

void apply_log_options(const std::string& level) {
    spdlog::set_level(spdlog::level::from_str(level == "warning" ? "warn" : level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%^%l%$] %v");
}

}  // namespace tunely::app
