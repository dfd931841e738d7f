#pragma once
// Import from an original Tunely (Python) database: its `tunnels` table keeps
// plaintext tokens; we store their hashes, so the same tokens keep working.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tunely/store/store.hpp"

namespace tunely::store {

struct original_tunnel {
    std::string domain;
    std::string token;  // plaintext in the original
    std::string name;
    std::string description;
    std::string mode = "http";
    bool enabled = true;
    std::optional<time_point> created_at;
    std::optional<time_point> last_connected_at;
    std::int64_t total_requests = 0;
};

// Reads the original's SQLite database (its default). Throws
// std::system_error(store_unavailable) when it cannot be read.
std::vector<original_tunnel> read_original_sqlite(const std::string& path);

struct import_report {
    int imported = 0;
    int skipped = 0;  // domain already present: left as it is (so the import is idempotent)
    std::vector<std::string> problems;  // rows that could not be imported, with the reason
};

// Writes the tunnels into `into`; safe to run again.
import_report import_original_tunnels(store& into, const std::vector<original_tunnel>& tunnels);

// "2024-05-01 12:30:45.123456" or "2024-05-01T12:30:45" (SQLAlchemy's SQLite DATETIME, UTC).
std::optional<time_point> parse_original_datetime(std::string_view text);

}  // namespace tunely::store
