// MySQL / MariaDB backend: schema versions in MySQL's dialect (InnoDB, utf8mb4).
#include "backend_glue.hpp"
#include "server_connect.hpp"

namespace tunely::store {
namespace {

dialect mysql_dialect() {
    dialect d;
    d.name = "mysql";
    d.begin_write = "START TRANSACTION";
    d.migrations = {
        {1,
         "tunnels and request log",
         {
             "CREATE TABLE tunnels ("
             " id BIGINT AUTO_INCREMENT PRIMARY KEY,"
             " domain VARCHAR(255) NOT NULL UNIQUE,"
             " token_hash VARCHAR(64) NOT NULL UNIQUE,"
             " name VARCHAR(100) NOT NULL DEFAULT '',"
             " description TEXT NOT NULL,"
             " mode VARCHAR(10) NOT NULL DEFAULT 'http',"
             " enabled SMALLINT NOT NULL DEFAULT 1,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " last_connected_at BIGINT NULL,"
             " total_requests BIGINT NOT NULL DEFAULT 0,"
             " bytes_in BIGINT NOT NULL DEFAULT 0,"
             " bytes_out BIGINT NOT NULL DEFAULT 0"
             ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
             "CREATE TABLE tunnel_request_logs ("
             " id BIGINT AUTO_INCREMENT PRIMARY KEY,"
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
             " bytes_out BIGINT NOT NULL DEFAULT 0"
             ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
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
             // One statement each way: MySQL commits DDL implicitly, so the
             // transaction around a migration cannot undo a half-applied one.
             // UNIQUE allows any number of NULLs (tunnels without a listener).
             "ALTER TABLE tunnels ADD COLUMN tcp_port INTEGER NULL, ADD COLUMN udp_port INTEGER NULL,"
             " ADD UNIQUE INDEX ix_tunnels_tcp_port (tcp_port), ADD UNIQUE INDEX ix_tunnels_udp_port (udp_port)",
         },
         {
             "ALTER TABLE tunnels DROP INDEX ix_tunnels_udp_port, DROP INDEX ix_tunnels_tcp_port,"
             " DROP COLUMN udp_port, DROP COLUMN tcp_port",
         }},
    };
    return d;
}

}  // namespace

std::unique_ptr<store> open_mysql_store(const server_options& o) {
    auto port = o.port ? o.port : 3306;
    std::string connect = "host=" + connection_value(o.host) + " port=" + std::to_string(port) +
                          " db=" + connection_value(o.database) + " user=" + connection_value(o.user) +
                          " password=" + connection_value(o.password.reveal()) + " charset=utf8mb4" +
                          " connect_timeout=10";
    auto with_port = o;
    with_port.port = port;
    // The backend's SOCI library is loaded now, not linked in (backend_glue.hpp).
    const auto& glue = load_backend_glue("mysql");
    auto d = mysql_dialect();
    d.classify = glue.classify;
    return open_server_store(*glue.factory, connect, with_port, std::move(d), "MySQL");
}

}  // namespace tunely::store
