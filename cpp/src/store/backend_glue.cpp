#include "backend_glue.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <system_error>
#include <vector>

#include "tunely/core/error.hpp"

#ifndef TUNELY_MODULE_INSTALL_DIR
#define TUNELY_MODULE_INSTALL_DIR "/usr/local/lib/tunely"
#endif

namespace tunely::store {
namespace {

std::mutex& glue_mutex() {
    static std::mutex m;
    return m;
}

std::map<std::string, const backend_glue*>& loaded() {
    static std::map<std::string, const backend_glue*> m;
    return m;
}

std::vector<std::filesystem::path> module_dirs() {
    std::vector<std::filesystem::path> dirs;
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        dirs.push_back(exe.parent_path());
        dirs.push_back(exe.parent_path() / ".." / "lib" / "tunely");
    }
    dirs.emplace_back(TUNELY_MODULE_INSTALL_DIR);
    return dirs;
}

}  // namespace

void register_backend_glue(const std::string& name, const backend_glue* glue) {
    std::lock_guard lock(glue_mutex());
    loaded()[name] = glue;
}

const backend_glue& load_backend_glue(const std::string& name) {
    std::lock_guard lock(glue_mutex());
    if (auto it = loaded().find(name); it != loaded().end()) return *it->second;
    const std::string file = "tunely-soci-" + name + ".so";
    const std::string symbol = "tunely_soci_" + name + "_glue";
    std::string tried;
    for (const auto& dir : module_dirs()) {
        const auto path = (dir / file).lexically_normal();
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            tried += (tried.empty() ? "" : ", ") + path.string();
            continue;
        }
        // Never closed: the factory and the classifier are used for the process's life.
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        const char* why = handle ? nullptr : ::dlerror();
        auto* get = handle ? reinterpret_cast<const backend_glue* (*)()>(::dlsym(handle, symbol.c_str())) : nullptr;
        if (!get) {
            throw std::system_error(make_error_code(error::store_unavailable),
                                    "cannot load the " + name + " backend from " + path.string() + ": " +
                                        (why ? why : "no " + symbol + " in it"));
        }
        const backend_glue* glue = get();
        loaded()[name] = glue;
        return *glue;
    }
    throw std::system_error(make_error_code(error::store_unavailable),
                            "the " + name + " backend is not installed (" + file + " not found in " + tried + ")");
}

}  // namespace tunely::store
