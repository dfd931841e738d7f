#include "admin_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tunely/core/token.hpp"

namespace tunely::app {

std::optional<std::string> read_admin_key(const std::string& path) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the admin key file " + path);
    std::string key;
    std::getline(in, key);
    if (key.empty()) throw std::runtime_error("admin key file " + path + " is empty");
    return key;
}

admin_key_source load_or_create_admin_key(const std::string& data_dir) {
    namespace fs = std::filesystem;
    fs::create_directories(data_dir);
    auto path = (fs::path(data_dir) / "admin.key").string();
    if (auto key = read_admin_key(path)) return {*key, false, path};
    auto key = generate_secret_key();
    // O_EXCL: two servers starting at once must not overwrite each other's key.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path + ": " + std::strerror(errno));
    auto line = key + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + path);
    return {key, true, path};
}

}  // namespace tunely::app
