// SQLite schema versions (times as BIGINT ms since the epoch, booleans as SMALLINT).
#include "sqlite_dialect.hpp"

#include <cstring>

namespace tunely::store {

dialect sqlite_dialect() {
    dialect d;
    d.name = "sqlite";
    d.begin_write = "BEGIN IMMEDIATE";
    d.migrations = {
        {1,
         "tunnels and request log",
         {
             "CREATE TABLE tunnels ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " domain VARCHAR(255) NOT NULL UNIQUE,"
             " token_hash VARCHAR(64) NOT NULL UNIQUE,"
             " name VARCHAR(100) NOT NULL DEFAULT '',"
             " description TEXT NOT NULL DEFAULT '',"
             " mode VARCHAR(10) NOT NULL DEFAULT 'http',"
             " enabled SMALLINT NOT NULL DEFAULT 1,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " last_connected_at BIGINT NULL,"
             " total_requests BIGINT NOT NULL DEFAULT 0,"
             " bytes_in BIGINT NOT NULL DEFAULT 0,"
             " bytes_out BIGINT NOT NULL DEFAULT 0)",
             "CREATE TABLE tunnel_request_logs ("
             " id INTEGER PRIMARY KEY AUTOINCREMENT,"
             " timestamp BIGINT NOT NULL,"
             " tunnel_domain VARCHAR(255) NOT NULL,"
             " method VARCHAR(16) NOT NULL,"
             " path VARCHAR(1000) NOT NULL,"
             " request_headers TEXT NOT NULL,"
             " request_body TEXT NOT NULL,"
             " status_code INTEGER NOT NULL,"
             " response_headers TEXT NOT NULL,"
             " response_body TEXT NOT NULL,"
             " error VARCHAR(2000) NOT NULL DEFAULT '',"
             " duration_ms BIGINT NOT NULL,"
             " bytes_in BIGINT NOT NULL DEFAULT 0,"
             " bytes_out BIGINT NOT NULL DEFAULT 0)",
             "CREATE INDEX ix_request_logs_timestamp ON tunnel_request_logs (timestamp)",
             "CREATE INDEX ix_request_logs_domain ON tunnel_request_logs (tunnel_domain, timestamp)",
             "CREATE INDEX ix_request_logs_status ON tunnel_request_logs (status_code)",
         },
         {
             "DROP TABLE tunnel_request_logs",
             "DROP TABLE tunnels",
         }},
    };
    d.is_unique_violation = [](const soci::soci_error& e) {
        return std::strstr(e.what(), "UNIQUE constraint failed") != nullptr;
    };
    return d;
}

}  // namespace tunely::store
