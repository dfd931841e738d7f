#pragma once
// Database URLs: sqlite:///path, sqlite://:memory:, sqlite+aiosqlite:///path
// (the original's spelling); postgresql:// and mysql:// are parsed here and
// rejected until their backends land.
#include <memory>
#include <string>

#include "tunely/core/result.hpp"
#include "tunely/store/store.hpp"

namespace tunely::app {

struct database_url {
    std::string backend;  // "sqlite"
    std::string path;     // sqlite file path or ":memory:"
};

// Errors carry a message for the operator; passwords never appear in it.
result<database_url> parse_database_url(const std::string& url, std::string& message);
std::unique_ptr<store::store> open_store(const database_url& url);
// Directory for server-owned files (the generated admin key): next to the SQLite file.
std::string data_directory(const database_url& url);

}  // namespace tunely::app
