// Include SOCI's SQLite backend before anything that includes <sqlite3.h>.
#include <soci/sqlite3/soci-sqlite3.h>

#include "tunely/store/sqlite_store.hpp"

#include <filesystem>

#include "sql_store.hpp"
#include "sqlite_dialect.hpp"
#include "tunely/core/error.hpp"

namespace tunely::store {

std::unique_ptr<store> open_sqlite_store(const sqlite_options& options) {
    const bool in_memory = options.path == ":memory:";
    // Each connection to ":memory:" is a database of its own: one connection.
    const std::size_t size = in_memory ? 1 : static_cast<std::size_t>(std::max(1, options.pool_size));
    try {
        if (!in_memory) {
            auto parent = std::filesystem::path(options.path).parent_path();
            if (!parent.empty()) std::filesystem::create_directories(parent);
        }
        auto pool = std::make_unique<soci::connection_pool>(size);
        for (std::size_t i = 0; i < size; ++i) {
            auto& sql = pool->at(i);
            sql.open(soci::sqlite3, "db=" + options.path + " timeout=10");
            // Extended result codes tell a UNIQUE violation from other constraint
            // failures by code (sqlite_dialect.cpp).
            auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
            sqlite_api::sqlite3_extended_result_codes(backend->conn_, 1);
            if (!in_memory) {
                // WAL lets readers run beside the one writer; NORMAL is durable enough with WAL.
                sql << "PRAGMA journal_mode=WAL";
                sql << "PRAGMA synchronous=NORMAL";
            }
            sql << "PRAGMA busy_timeout=10000";
            sql << "PRAGMA foreign_keys=ON";
        }
        return std::make_unique<sql_store>(std::move(pool), sqlite_dialect());
    } catch (const soci::soci_error& e) {
        throw std::system_error(make_error_code(error::store_unavailable),
                                "cannot open SQLite database " + options.path + ": " + e.get_error_message());
    } catch (const std::filesystem::filesystem_error& e) {
        throw std::system_error(make_error_code(error::store_unavailable),
                                "cannot create the directory for " + options.path + ": " + e.what());
    }
}

}  // namespace tunely::store
