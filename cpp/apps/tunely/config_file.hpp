#pragma once
// The TOML config file (--config FILE, -c FILE, or TUNELY_CONFIG): sections [server], [connect] and [admin] whose
// keys are the long flags of `tunely server`, `tunely connect` and the admin CLI (`tunely tunnel …`) without the
// dashes (`ws-path` or `ws_path`). docs/tunely.example.toml lists every key.
//
// Contract: a value from the file applies only to an option that neither a flag nor an environment variable (its
// own or an alias, env_aliases.hpp) set: flags > environment > file > defaults. The whole file is checked when a
// command reads it, every section (a typo in [connect] fails `tunely server` too): a TOML syntax error, an unknown
// section or key, a value of the wrong type or one the option refuses is one line `error: FILE:LINE: …` and a
// usage error (exit 2). Values are never repeated in messages (keys and tokens live in this file).
//
// CLI11's own config reader is not used: it ignores syntax errors and unknown keys, and applies the file before
// the environment (so the file beat TUNELY_* variables).
#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace tunely::app {

class config_file {
public:
    // `owner`'s long options are the keys of [`section`].
    void add_section(const std::string& section, const CLI::App* owner);
    // Adds --config (and -c when `short_flag`) to `cmd`, env TUNELY_CONFIG, bound to the one path.
    CLI::Option* add_option(CLI::App* cmd, bool short_flag = false);

    // Loads and checks the file (once), then sets every option of `cmd` that neither a flag nor the environment
    // set from [`section`]. No file given: true. False after printing the error line (a usage error, exit 2).
    bool apply(CLI::App* cmd, const std::string& section);
    // A string key of [`section`] (after apply() or load() succeeded); nullopt when absent or no file.
    std::optional<std::string> text(const std::string& section, const std::string& key) const;
    // Loads and checks the file once; false after printing why.
    bool load();
    // `tunely config check FILE`: load() of `file` (every section checked against its command's options and types).
    bool check(const std::string& file) {
        path_ = file;
        return load();
    }
    const std::string& path() const { return path_; }

private:
    struct parsed;
    std::string path_;
    std::shared_ptr<parsed> file_;  // set once loaded
    std::map<std::string, const CLI::App*> sections_;
};

}  // namespace tunely::app
