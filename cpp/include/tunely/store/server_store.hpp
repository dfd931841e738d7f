#pragma once
// The client/server database backends: PostgreSQL and MySQL/MariaDB.
#include <memory>
#include <string>

#include "tunely/core/secret.hpp"
#include "tunely/store/store.hpp"

namespace tunely::store {

struct server_options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0 = the backend's default (5432, 3306)
    std::string database;
    std::string user;
    secret password;
    int pool_size = 4;
};

// Both connect eagerly (every pooled connection) without migrating. They throw
// std::system_error(error::store_unavailable) when the server cannot be reached;
// the message never contains the password.
std::unique_ptr<store> open_postgresql_store(const server_options& options);
std::unique_ptr<store> open_mysql_store(const server_options& options);

}  // namespace tunely::store
