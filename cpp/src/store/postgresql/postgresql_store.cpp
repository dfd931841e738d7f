// PostgreSQL backend: schema versions in PostgreSQL's dialect.
#include <soci/postgresql/soci-postgresql.h>

#include <cstring>

#include "server_connect.hpp"

namespace tunely::store {
namespace {

dialect postgresql_dialect() {
    dialect d;
    d.name = "postgresql";
    d.migrations = {
        {1,
         "tunnels and request log",
         {
             "CREATE TABLE tunnels ("
             " id BIGSERIAL PRIMARY KEY,"
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
             " id BIGSERIAL PRIMARY KEY,"
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
        return std::strstr(e.what(), "duplicate key value violates unique constraint") != nullptr;
    };
    return d;
}

}  // namespace

std::unique_ptr<store> open_postgresql_store(const server_options& o) {
    auto port = o.port ? o.port : 5432;
    std::string connect = "host=" + connection_value(o.host) + " port=" + std::to_string(port) +
                          " dbname=" + connection_value(o.database) + " user=" + connection_value(o.user) +
                          " password=" + connection_value(o.password.reveal()) + " connect_timeout=10";
    auto with_port = o;
    with_port.port = port;
    return open_server_store(*soci::factory_postgresql(), connect, with_port, postgresql_dialect(), "PostgreSQL");
}

}  // namespace tunely::store
