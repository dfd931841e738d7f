#pragma once
// The shared test servers (scripts/with-test-databases.sh exports their URLs) as
// the store suite's tests reach them: their options, and a raw SOCI session
// beside the store for what only a test does (installing triggers, counting).
#include <soci/soci.h>

#include <cstdlib>
#include <functional>
#include <system_error>
#include <optional>
#include <string>

#include "tunely/store/database_url.hpp"

// Declared here rather than through soci-postgresql.h / soci-mysql.h, which
// need libpq's and MariaDB's include directories the test target does not have.
namespace soci {
extern "C" backend_factory const* factory_postgresql();
extern "C" backend_factory const* factory_mysql();
}  // namespace soci

namespace tunely::store::test {

// The error a store call throws (store errors are std::system_error), {} when it returns.
inline std::error_code code_of(const std::function<void()>& call) {
    try {
        call();
    } catch (const std::system_error& e) {
        return e.code();
    }
    return {};
}

// The server behind TUNELY_TEST_POSTGRESQL_URL / TUNELY_TEST_MYSQL_URL; nullopt
// when the variable is not set (the caller skips, or fails in CI).
inline std::optional<server_options> server_from_env(backend_kind kind) {
    const char* variable = kind == backend_kind::postgresql ? "TUNELY_TEST_POSTGRESQL_URL" : "TUNELY_TEST_MYSQL_URL";
    const char* url = std::getenv(variable);
    if (!url) return std::nullopt;
    std::string problem;
    auto parsed = parse_database_url(url, problem);
    if (!parsed || parsed->kind != kind) return std::nullopt;
    return parsed->server;
}

inline std::unique_ptr<store> open_server(backend_kind kind, const server_options& o) {
    return kind == backend_kind::postgresql ? open_postgresql_store(o) : open_mysql_store(o);
}

// A plain SOCI session to the same database (test values need no quoting).
inline void open_raw(soci::session& sql, backend_kind kind, const server_options& o) {
    auto common = "host=" + o.host + " port=" + std::to_string(o.port) + " user=" + o.user +
                  " password=" + o.password.reveal();
    if (kind == backend_kind::postgresql)
        sql.open(*soci::factory_postgresql(), common + " dbname=" + o.database);
    else
        sql.open(*soci::factory_mysql(), common + " db=" + o.database);
}

}  // namespace tunely::store::test
