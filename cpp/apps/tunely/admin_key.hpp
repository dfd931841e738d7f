#pragma once
#include <optional>
#include <string>

namespace tunely::app {

struct admin_key_source {
    std::string key;
    bool generated = false;  // true: created now, print it once
    std::string path;
};

// The admin key from `<data_dir>/admin.key`, generated (32 random bytes) and
// written with mode 0600 on first use. Throws std::runtime_error on I/O errors.
admin_key_source load_or_create_admin_key(const std::string& data_dir);

// The key stored in the admin key file `path`; nullopt when there is none. Throws std::runtime_error when it is
// empty or unreadable. Creates nothing.
std::optional<std::string> read_admin_key(const std::string& path);

}  // namespace tunely::app
