// SQLite schema versions (times as BIGINT ms since the epoch, booleans as SMALLINT).
#include <soci/sqlite3/soci-sqlite3.h>

#include "sqlite_dialect.hpp"

namespace tunely::store {
namespace {

// By extended result code (open_sqlite_store turns extended codes on): a UNIQUE
// or PRIMARY KEY constraint. An embedded database has no connection to lose.
failure_kind classify_sqlite(const soci::soci_error& e) {
    const auto* lite = dynamic_cast<const soci::sqlite3_soci_error*>(&e);
    if (!lite) return failure_kind::other;
    const int code = lite->result();
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) return failure_kind::unique_violation;
    return failure_kind::other;
}

}  // namespace

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
        {2,
         "TCP and UDP listener ports",
         {
             "ALTER TABLE tunnels ADD COLUMN tcp_port INTEGER NULL",
             "ALTER TABLE tunnels ADD COLUMN udp_port INTEGER NULL",
             // UNIQUE allows any number of NULLs (tunnels without a listener).
             "CREATE UNIQUE INDEX ix_tunnels_tcp_port ON tunnels (tcp_port)",
             "CREATE UNIQUE INDEX ix_tunnels_udp_port ON tunnels (udp_port)",
         },
         {
             "DROP INDEX ix_tunnels_udp_port",
             "DROP INDEX ix_tunnels_tcp_port",
             // SQLite ≥ 3.35; refused while an index still names the column.
             "ALTER TABLE tunnels DROP COLUMN udp_port",
             "ALTER TABLE tunnels DROP COLUMN tcp_port",
         }},
    };
    d.classify = classify_sqlite;
    return d;
}

}  // namespace tunely::store
