#include "env_aliases.hpp"

#include <cstdlib>
#include <map>
#include <vector>

namespace tunely::app {
namespace {

// One process parses one command line: a registry for the options made in main().
struct alias {
    std::string name;
    bool caller_reads;
};

std::map<const CLI::Option*, std::vector<alias>>& aliases() {
    static std::map<const CLI::Option*, std::vector<alias>> registry;
    return registry;
}

// The first alias of `opt` set in the environment.
const alias* first_set(const CLI::Option* opt) {
    auto found = aliases().find(opt);
    if (found == aliases().end()) return nullptr;
    for (const auto& a : found->second)
        if (std::getenv(a.name.c_str())) return &a;
    return nullptr;
}

}  // namespace

CLI::Option* add_env_alias(CLI::Option* opt, const std::string& name, bool caller_reads) {
    aliases()[opt].push_back({name, caller_reads});
    return opt;
}

std::optional<std::string> set_alias(const CLI::Option* opt) {
    const auto* a = first_set(opt);
    return a ? std::optional(a->name) : std::nullopt;
}

bool set_by_environment(const CLI::Option* opt) {
    const auto own = opt->get_envname();
    const char* value = own.empty() ? nullptr : std::getenv(own.c_str());
    return (value && *value) || set_alias(opt).has_value();
}

void apply_env_aliases(CLI::App* cmd) {
    for (auto* opt : cmd->get_options()) {
        if (opt->count() > 0) continue;
        const auto* a = first_set(opt);
        if (!a || a->caller_reads) continue;
        const std::string value = std::getenv(a->name.c_str());
        if (opt->get_expected_min() == 0) opt->add_result(opt->get_flag_value(opt->get_name(), value));
        else opt->add_result(value);
        opt->run_callback();
    }
}

}  // namespace tunely::app
