#include "database_url.hpp"

#include <filesystem>

#include "tunely/core/error.hpp"
#include "tunely/store/sqlite_store.hpp"

namespace tunely::app {

result<database_url> parse_database_url(const std::string& url, std::string& message) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        message = "database URL must look like sqlite:///path/to/file.db";
        return make_error_code(error::invalid_field);
    }
    auto scheme = url.substr(0, scheme_end);
    auto rest = url.substr(scheme_end + 3);
    if (auto plus = scheme.find('+'); plus != std::string::npos) scheme = scheme.substr(0, plus);
    if (scheme == "sqlite") {
        if (rest == ":memory:" || rest == "/:memory:") return database_url{"sqlite", ":memory:"};
        if (rest.empty() || rest.front() != '/') {
            message = "sqlite URL needs three slashes: sqlite:///relative/path.db or sqlite:////absolute/path.db";
            return make_error_code(error::invalid_field);
        }
        // sqlite:///./data/x.db → ./data/x.db ; sqlite:////abs/x.db → /abs/x.db
        return database_url{"sqlite", rest.substr(1)};
    }
    if (scheme == "postgresql" || scheme == "postgres" || scheme == "mysql" || scheme == "mariadb") {
        message = "the " + scheme + " backend is not part of this build yet; use sqlite:///path";
        return make_error_code(error::invalid_field);
    }
    message = "unknown database scheme '" + scheme + "'";
    return make_error_code(error::invalid_field);
}

std::unique_ptr<store::store> open_store(const database_url& url) {
    store::sqlite_options o;
    o.path = url.path;
    return store::open_sqlite_store(o);
}

std::string data_directory(const database_url& url) {
    if (url.path == ":memory:") return "./data";
    auto parent = std::filesystem::path(url.path).parent_path();
    return parent.empty() ? "." : parent.string();
}

}  // namespace tunely::app
