#pragma once
// The admin CLI's credentials file, written by `tunely login --server URL --admin-key KEY` (as `ngrok config
// add-authtoken`): $XDG_CONFIG_HOME/tunely/credentials.toml, else ~/.config/tunely/credentials.toml, mode 0600 in
// a 0700 directory. TOML: `server` (the last login's URL, the admin CLI's default server) and [admin_keys], the
// key of each server URL (without a trailing slash).
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace tunely::app {

struct credentials {
    std::string server;
    std::map<std::string, std::string> admin_keys;
};

// The file's path; empty when neither XDG_CONFIG_HOME nor HOME is set.
std::filesystem::path credentials_path();

// The stored credentials; nullopt when there is no file. Throws std::runtime_error naming the file when it cannot
// be read or parsed (never its contents).
std::optional<credentials> read_credentials();

// Stores `key` for `server` and makes it the default server, keeping the other servers' keys. The file is
// replaced atomically and is never readable by others, not even for a moment. Throws std::runtime_error.
void save_credentials(const std::string& server, const std::string& key);

// `url` without trailing slashes: the key of [admin_keys].
std::string server_key(std::string url);

}  // namespace tunely::app
