#pragma once
// The store interface. Synchronous and thread-safe: implementations may be
// called from several database-pool threads at once. Never call it from an I/O
// thread (see server/store_executor.hpp).
//
// Errors: every method may throw std::system_error carrying
//   tunely::error::store_unavailable  — the database cannot be reached or failed;
//   tunely::error::store_conflict     — a unique constraint (domain, token, TCP or
//                                       UDP port) was hit.
// Server backends repeat a read once when its connection broke; a write runs at
// most once, so a write that fails with store_unavailable after its statements
// may have reached the server (its COMMIT's answer lost) may have been applied.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tunely/store/records.hpp"

namespace tunely::store {

class store {
public:
    virtual ~store() = default;

    // --- schema (migrations) ---
    // Version of the schema in the database (0 = empty database).
    virtual int schema_version() = 0;
    // Newest schema version this build knows.
    virtual int latest_schema_version() const = 0;
    // Applies up- or down-migrations until the schema is at `version`.
    // Throws std::system_error(error::schema_too_new) if the database is newer
    // than this build knows.
    virtual void migrate_to(int version) = 0;
    // Every version this build knows, oldest first, with whether it is applied.
    struct migration_info {
        int version = 0;
        std::string description;
        bool applied = false;
    };
    virtual std::vector<migration_info> migrations() = 0;

    // --- tunnels ---
    virtual std::vector<tunnel_record> list_tunnels() = 0;  // newest first
    // The tunnels with a TCP or a UDP port (the listeners to open at start),
    // enabled or not, ordered by id. Not pure: the default filters list_tunnels().
    virtual std::vector<tunnel_record> tunnels_with_ports();
    virtual std::optional<tunnel_record> find_tunnel(std::string_view domain) = 0;
    virtual std::optional<tunnel_record> find_tunnel_by_token_hash(std::string_view token_hash) = 0;
    virtual tunnel_record create_tunnel(const new_tunnel& tunnel) = 0;
    virtual std::optional<tunnel_record> update_tunnel(std::string_view domain,
                                                       const tunnel_update& update) = 0;
    // Returns false when no such tunnel.
    virtual bool set_token_hash(std::string_view domain, std::string_view token_hash) = 0;
    virtual bool delete_tunnel(std::string_view domain) = 0;
    virtual void record_connected(std::string_view domain, time_point at) = 0;
    virtual void add_counters(const std::vector<counter_delta>& deltas) = 0;

    // --- request log ---
    virtual void append_request_logs(const std::vector<request_log_record>& records) = 0;
    virtual log_page query_request_logs(const log_query& query) = 0;
    // Deletes rows older than `older_than`, then the oldest rows beyond `max_rows`.
    // Returns the number of rows deleted.
    virtual std::int64_t prune_request_logs(time_point older_than, std::int64_t max_rows) = 0;
};

inline std::vector<tunnel_record> store::tunnels_with_ports() {
    auto all = list_tunnels();
    std::erase_if(all, [](const tunnel_record& t) { return !t.tcp_port && !t.udp_port; });
    std::sort(all.begin(), all.end(), [](const tunnel_record& a, const tunnel_record& b) { return a.id < b.id; });
    return all;
}

}  // namespace tunely::store
