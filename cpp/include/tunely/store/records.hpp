#pragma once
// Plain records the store reads and writes. Times are UTC.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tunely::store {

using time_point = std::chrono::system_clock::time_point;

struct tunnel_record {
    std::int64_t id = 0;
    std::string domain;      // lower-case, validated by the caller
    std::string token_hash;  // hex SHA-256 of the token; the token itself is never stored
    std::string name;
    std::string description;
    std::string mode = "http";  // "http" or "tcp", validated by the caller (imports keep the original's value)
    bool enabled = true;
    time_point created_at{};
    time_point updated_at{};
    std::optional<time_point> last_connected_at;
    std::int64_t total_requests = 0;
    std::int64_t bytes_in = 0;   // bytes received from callers (request bodies)
    std::int64_t bytes_out = 0;  // bytes sent to callers (response bodies)
    // Listener ports (schema version 2): the server listens on them for this
    // tunnel. Each is unique among tunnels when set; empty = no listener.
    std::optional<int> tcp_port;
    std::optional<int> udp_port;
};

struct new_tunnel {
    std::string domain;
    std::string token_hash;
    std::string name;
    std::string description;
    std::string mode = "http";
    std::optional<time_point> created_at;  // now when absent (set by imports)
    // Unique among tunnels when set: a port another tunnel has → store_conflict.
    std::optional<int> tcp_port;
    std::optional<int> udp_port;
};

// Absent fields are left unchanged.
struct tunnel_update {
    std::optional<std::string> name;
    std::optional<std::string> description;
    std::optional<bool> enabled;
    std::optional<std::string> mode;  // "http" or "tcp", validated by the caller
    // Outer empty = unchanged; inner empty = remove the port (NULL). A port
    // another tunnel has → store_conflict, and nothing of the update is applied.
    std::optional<std::optional<int>> tcp_port;
    std::optional<std::optional<int>> udp_port;
};

// Aggregated in memory by the server and flushed periodically.
struct counter_delta {
    std::string domain;
    std::int64_t requests = 0;
    std::int64_t bytes_in = 0;
    std::int64_t bytes_out = 0;
};

struct request_log_record {
    std::int64_t id = 0;  // assigned by the store
    time_point timestamp{};
    std::string tunnel_domain;
    std::string method;
    std::string path;              // ≤ 1000 chars (truncated by the writer)
    std::string request_headers;   // JSON object text, secrets redacted
    std::string request_body;      // first 4 KiB
    int status_code = 0;
    std::string response_headers;  // JSON object text, secrets redacted
    std::string response_body;     // first 4 KiB
    std::string error;             // empty = none; ≤ 2000 chars
    std::int64_t duration_ms = 0;
    std::int64_t bytes_in = 0;
    std::int64_t bytes_out = 0;
};

struct log_query {
    std::optional<std::string> domain;
    std::optional<int> status_class;  // 2 → 200..299, …
    bool failures_only = false;       // status ≥ 500, no status at all, or an error text
    std::optional<std::string> method;
    std::optional<std::string> path_contains;
    std::optional<time_point> since;
    std::optional<time_point> until;
    std::int64_t limit = 100;
    std::int64_t offset = 0;
};

struct log_page {
    std::int64_t total = 0;                 // rows matching the query, ignoring limit/offset
    std::vector<request_log_record> logs;   // newest first
};

}  // namespace tunely::store
