#pragma once
// Database URLs: sqlite:///relative.db, sqlite:////absolute.db, sqlite://:memory:,
// postgresql://user:pass@host:port/db, mysql://user:pass@host:port/db, and the
// original's spellings sqlite+aiosqlite://, postgresql+asyncpg://, mysql+aiomysql://
// (also postgres://, mariadb://).
#include <optional>
#include <string>

#include "tunely/store/server_store.hpp"

namespace tunely::store {

enum class backend_kind { sqlite, postgresql, mysql };

struct database_url {
    backend_kind kind = backend_kind::sqlite;
    std::string sqlite_path;  // for sqlite: a file path or ":memory:"
    server_options server;    // for postgresql and mysql
    // The URL with the password replaced by "***", for logs and errors.
    std::string redacted;
};

// On failure returns nullopt and sets `problem` to an operator-facing message
// (which never contains the password).
std::optional<database_url> parse_database_url(const std::string& url, std::string& problem);

}  // namespace tunely::store
