#include "config_file.hpp"

#include <toml++/toml.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <vector>

#include "env_aliases.hpp"

namespace tunely::app {

// One key of a section: where it is (for messages) and its value (owned by `table`).
struct config_entry {
    std::string key;  // as written
    const toml::node* value;
    std::size_t line;
};

struct config_file::parsed {
    toml::table table;
    std::map<std::string, std::vector<config_entry>> sections;
};

namespace {

// A checked problem: printed as `error: FILE:LINE: what`.
struct config_problem {
    std::size_t line;
    std::string what;
};

std::string dashed(std::string key) {
    for (auto& c : key)
        if (c == '_') c = '-';
    return key;
}

// The option a key names: a long option of `owner` that a file may set (not --help, --config, hidden ones).
const CLI::Option* option_of(const CLI::App* owner, const std::string& key) {
    const auto* opt = owner->get_option_no_throw("--" + dashed(key));
    if (!opt || opt == owner->get_help_ptr() || !opt->get_configurable() || opt->get_group().empty()) return nullptr;
    return opt;
}

bool is_flag(const CLI::Option* opt) { return opt->get_expected_min() == 0; }
bool is_list(const CLI::Option* opt) { return opt->get_expected_max() > 1 || opt->get_items_expected_max() > 1; }

// One TOML scalar as the text a flag would carry, or a reason it does not fit `type` (CLI11's INT, UINT, FLOAT,
// TEXT; validators append ":…").
std::optional<std::string> scalar_text(const toml::node& v, const std::string& type, std::string& expected) {
    const auto base = type.substr(0, type.find(':'));
    if (base == "INT" || base == "UINT") {
        expected = "an integer";
        if (auto i = v.value_exact<std::int64_t>()) return std::to_string(*i);
        return std::nullopt;
    }
    if (base == "FLOAT") {
        expected = "a number";
        if (auto i = v.value_exact<std::int64_t>()) return std::to_string(*i);
        if (auto d = v.value_exact<double>()) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.17g", *d);
            return std::string(buf);
        }
        return std::nullopt;
    }
    expected = "a string";
    if (auto s = v.value_exact<std::string>()) return *s;
    return std::nullopt;
}

// The inputs `opt` would get from a flag, or a problem naming what the key needs.
std::vector<std::string> inputs_of(const CLI::Option* opt, const std::string& section, const config_entry& e) {
    const auto where = "[" + section + "] " + e.key + ": expected ";
    if (is_flag(opt)) {
        if (auto b = e.value->value_exact<bool>()) return {*b ? "true" : "false"};
        throw config_problem{e.line, where + "true or false"};
    }
    std::string expected;
    std::vector<std::string> out;
    if (is_list(opt) && e.value->is_array()) {
        for (const auto& item : *e.value->as_array()) {
            auto text = scalar_text(item, opt->get_type_name(), expected);
            if (!text) throw config_problem{e.line, where + "a list of " + expected.substr(expected.find(' ') + 1) + "s"};
            out.push_back(*text);
        }
        return out;
    }
    auto text = scalar_text(*e.value, opt->get_type_name(), expected);
    if (!text) throw config_problem{e.line, where + expected + (is_list(opt) ? " or a list" : "")};
    return {*text};
}

// The original Tunely's `tunely connect -c` file (top-level server, token, target, reconnect_secs, force,
// max_reconnect, or one [[tunnel]] with token and target) read as [connect]. False: not that format.
bool read_original_connect(const toml::table& t, std::vector<config_entry>& connect) {
    static const std::map<std::string, std::string> names{{"server", "server"},         {"token", "token"},
                                                          {"target", "target"},         {"reconnect_secs", "reconnect"},
                                                          {"force", "force"},           {"max_reconnect", "max-attempts"}};
    bool original = false;
    for (const auto& [key, value] : t) {
        if (names.count(std::string(key.str())) || key.str() == "tunnel") original = original || !value.is_table();
    }
    if (!original) return false;
    for (const auto& [key, value] : t) {
        const auto line = key.source().begin.line;
        if (key.str() == "tunnel") {
            const auto* list = value.as_array();
            if (!list || !list->is_array_of_tables())
                throw config_problem{line, "tunnel: expected [[tunnel]] tables"};
            if (list->size() != 1)
                throw config_problem{line, std::to_string(list->size()) +
                                               " [[tunnel]] entries: tunely connect serves one tunnel; run one "
                                               "tunely connect per tunnel (a file each, or --token)"};
            for (const auto& [k, v] : *list->front().as_table()) {
                if (k.str() == "name") continue;  // the original's log prefix; one tunnel needs none
                if (k.str() != "token" && k.str() != "target")
                    throw config_problem{k.source().begin.line, "unknown key '" + std::string(k.str()) + "' in [[tunnel]]"};
                connect.push_back({std::string(k.str()), &v, k.source().begin.line});
            }
            continue;
        }
        auto name = names.find(std::string(key.str()));
        if (name == names.end())
            throw config_problem{line, "unknown key '" + std::string(key.str()) +
                                           "' (the original's connect file has server, token, target, "
                                           "reconnect_secs, force, max_reconnect and [[tunnel]])"};
        connect.push_back({name->second, &value, line});
    }
    return true;
}

}  // namespace

void config_file::add_section(const std::string& section, const CLI::App* owner) { sections_[section] = owner; }

CLI::Option* config_file::add_option(CLI::App* cmd, bool short_flag) {
    return cmd->add_option(short_flag ? "-c,--config" : "--config", path_,
                           "TOML config file (docs/tunely.example.toml; flags > environment > file > defaults)")
        ->envname("TUNELY_CONFIG")
        ->configurable(false);
}

bool config_file::load() {
    if (file_ || path_.empty()) return true;
    auto fail = [&](std::size_t line, const std::string& what) {
        std::cerr << "error: " << path_ << ":" << line << ": " << what << "\n";
        return false;
    };
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path_, ec)) {
        std::cerr << "error: --config " << path_ << ": no such file\n";
        return false;
    }
    auto p = std::make_shared<parsed>();
    try {
        p->table = toml::parse_file(path_);
    } catch (const toml::parse_error& e) {
        return fail(e.source().begin.line, std::string(e.description()));
    }
    try {
        std::vector<config_entry> original;
        if (read_original_connect(p->table, original)) {
            p->sections["connect"] = std::move(original);
        } else {
            for (const auto& [key, value] : p->table) {
                const auto name = std::string(key.str());
                const auto line = key.source().begin.line;
                auto owner = sections_.find(name);
                if (owner == sections_.end() || !value.is_table()) {
                    std::string names;
                    for (const auto& s : sections_) names += (names.empty() ? "[" : ", [") + s.first + "]";
                    throw config_problem{line, (value.is_table() ? "unknown section [" + name + "]"
                                                                 : "key '" + name + "' outside a section") +
                                                   " (sections: " + names + ")"};
                }
                auto& entries = p->sections[name];
                for (const auto& [k, v] : *value.as_table())
                    entries.push_back({std::string(k.str()), &v, k.source().begin.line});
            }
        }
        // Every key names an option of its section's command, with a value of its type.
        for (const auto& [name, entries] : p->sections) {
            for (const auto& e : entries) {
                const auto* opt = option_of(sections_.at(name), e.key);
                if (!opt) throw config_problem{e.line, "unknown key '" + e.key + "' in [" + name + "]"};
                inputs_of(opt, name, e);
            }
        }
    } catch (const config_problem& problem) {
        return fail(problem.line, problem.what);
    }
    file_ = std::move(p);
    return true;
}

bool config_file::apply(CLI::App* cmd, const std::string& section) {
    if (path_.empty()) return true;
    if (!load()) return false;
    auto found = file_->sections.find(section);
    if (found == file_->sections.end()) return true;
    for (const auto& e : found->second) {
        auto* opt = cmd->get_option_no_throw("--" + dashed(e.key));
        // Keys of a section another command owns (db's --database from [server]) or an option already set.
        if (!opt || !option_of(cmd, e.key) || opt->count() > 0 || set_by_environment(opt)) continue;
        try {
            auto inputs = inputs_of(opt, section, e);
            if (is_flag(opt)) opt->add_result(opt->get_flag_value(e.key, inputs.front()));
            else opt->add_result(inputs);
            opt->run_callback();
        } catch (const CLI::ParseError& refused) {
            std::cerr << "error: " << path_ << ":" << e.line << ": [" << section << "] " << e.key << ": "
                      << refused.what() << "\n";
            return false;
        }
    }
    return true;
}

std::optional<std::string> config_file::text(const std::string& section, const std::string& key) const {
    if (!file_) return std::nullopt;
    auto found = file_->sections.find(section);
    if (found == file_->sections.end()) return std::nullopt;
    for (const auto& e : found->second)
        if (dashed(e.key) == dashed(key))
            if (auto s = e.value->value_exact<std::string>()) return *s;
    return std::nullopt;
}

}  // namespace tunely::app
