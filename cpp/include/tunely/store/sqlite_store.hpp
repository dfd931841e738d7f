#pragma once
// The SQLite backend (the default store).
#include <memory>
#include <string>

#include "tunely/store/store.hpp"

namespace tunely::store {

struct sqlite_options {
    std::string path = "./data/tunnels.db";  // ":memory:" for an in-memory database
    int pool_size = 4;                       // connections; ":memory:" always uses 1
};

// Opens (creating the file and its directory if needed) without migrating.
// Throws std::system_error(error::store_unavailable) when it cannot open.
std::unique_ptr<store> open_sqlite_store(const sqlite_options& options);

}  // namespace tunely::store
