#include "database_url.hpp"

#include <filesystem>

#include "tunely/store/server_store.hpp"
#include "tunely/store/sqlite_store.hpp"

namespace tunely::app {

std::unique_ptr<store::store> open_store(const store::database_url& url) {
    switch (url.kind) {
    case store::backend_kind::postgresql: return store::open_postgresql_store(url.server);
    case store::backend_kind::mysql: return store::open_mysql_store(url.server);
    case store::backend_kind::sqlite: break;
    }
    store::sqlite_options o;
    o.path = url.sqlite_path;
    return store::open_sqlite_store(o);
}

std::string data_directory(const store::database_url& url) {
    if (url.kind != store::backend_kind::sqlite || url.sqlite_path == ":memory:") return "./data";
    auto parent = std::filesystem::path(url.sqlite_path).parent_path();
    return parent.empty() ? "." : parent.string();
}

}  // namespace tunely::app
