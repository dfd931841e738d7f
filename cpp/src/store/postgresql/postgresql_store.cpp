// PostgreSQL backend: schema versions in PostgreSQL's dialect.
#include <soci/postgresql/soci-postgresql.h>

#include "server_connect.hpp"

namespace tunely::store {
namespace {

// By SQLSTATE (PostgreSQL manual, appendix A): 23505 unique_violation; class 08
// connection exceptions; 57P01-57P03 the server shuts down or is not up yet.
// SOCI 4.0.3 gives a connection that broke without an answer a blank SQLSTATE:
// sql_store recognises that case by asking the session.
failure_kind classify_postgresql(const soci::soci_error& e) {
    const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e);
    if (!pg)
        return e.get_error_category() == soci::soci_error::connection_error ? failure_kind::connection_lost
                                                                            : failure_kind::other;
    const std::string state = pg->sqlstate();
    if (state == "23505") return failure_kind::unique_violation;
    if (pg->get_error_category() == soci::soci_error::connection_error || state.starts_with("08") ||
        state == "57P01" || state == "57P02" || state == "57P03")
        return failure_kind::connection_lost;
    return failure_kind::other;
}

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
             "ALTER TABLE tunnels DROP COLUMN udp_port",
             "ALTER TABLE tunnels DROP COLUMN tcp_port",
         }},
    };
    d.classify = classify_postgresql;
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
