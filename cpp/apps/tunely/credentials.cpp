#include "credentials.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace tunely::app {

std::filesystem::path credentials_path() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) return std::filesystem::path(xdg) / "tunely" / "credentials.toml";
    const char* home = std::getenv("HOME");
    if (home && *home) return std::filesystem::path(home) / ".config" / "tunely" / "credentials.toml";
    return {};
}

std::string server_key(std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
}

std::optional<credentials> read_credentials() {
    const auto path = credentials_path();
    std::error_code ec;
    if (path.empty() || !std::filesystem::exists(path, ec)) return std::nullopt;
    toml::table t;
    try {
        t = toml::parse_file(path.string());
    } catch (const toml::parse_error& e) {
        throw std::runtime_error(path.string() + ":" + std::to_string(e.source().begin.line) + ": " +
                                 std::string(e.description()) + " (rewrite it with tunely login)");
    }
    credentials c;
    c.server = t["server"].value_or(std::string());
    if (const auto* keys = t["admin_keys"].as_table())
        for (const auto& [url, key] : *keys)
            if (auto text = key.value<std::string>()) c.admin_keys[server_key(std::string(url.str()))] = *text;
    return c;
}

void save_credentials(const std::string& server, const std::string& key) {
    const auto path = credentials_path();
    if (path.empty()) throw std::runtime_error("neither XDG_CONFIG_HOME nor HOME is set: nowhere to store credentials");
    credentials c;
    try {
        c = read_credentials().value_or(credentials{});
    } catch (const std::runtime_error&) {
        // An unreadable or broken file is replaced: a login is how the error message says to mend it.
    }
    c.server = server_key(server);
    c.admin_keys[c.server] = key;

    toml::table keys;
    for (const auto& [url, k] : c.admin_keys) keys.insert(url, k);
    toml::table t{{"server", c.server}, {"admin_keys", std::move(keys)}};
    std::ostringstream text;
    text << "# Written by `tunely login`: the admin CLI's default server and the admin key of each server.\n" << t
         << "\n";

    const auto dir = path.parent_path();
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    // A new file created 0600 and renamed over the old one: the key is never in a file others may read.
    const auto temp = path.string() + ".tmp";
    ::unlink(temp.c_str());
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + temp + ": " + std::strerror(errno));
    const auto body = text.str();
    const bool written = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size());
    const bool closed = ::close(fd) == 0;
    if (!written || !closed || ::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(temp.c_str());
        throw std::runtime_error("cannot write " + path.string() + ": " + why);
    }
}

}  // namespace tunely::app
