#pragma once
// The store over any SQL database SOCI reaches. Thread-safe: every call leases
// a session from the pool. Times are stored as BIGINT milliseconds since the
// Unix epoch (UTC): the one time representation all three databases share
// exactly, with no time-zone or precision surprises.
#include <soci/soci.h>

#include <memory>

#include "dialect.hpp"
#include "tunely/store/store.hpp"

namespace tunely::store {

// Whether a call may be repeated after its connection broke (with_session).
enum class retry_policy {
    // Reads only (or idempotent DDL): reconnect and run once more.
    read,
    // May write: the leased connection is pinged, and replaced if dead, before
    // the first statement; once a statement may have reached the server the call
    // is never repeated, since a COMMIT whose answer was lost may have committed.
    write,
};

class sql_store final : public store {
public:
    // Takes an opened pool of `size` sessions. `secret` (the database password,
    // may be empty) is cut out of every error message the store raises.
    sql_store(std::unique_ptr<soci::connection_pool> pool, dialect d, std::string secret = {});
    ~sql_store() override;

    int schema_version() override;
    int latest_schema_version() const override;
    void migrate_to(int version) override;
    std::vector<migration_info> migrations() override;

    std::vector<tunnel_record> list_tunnels() override;
    std::vector<tunnel_record> tunnels_with_ports() override;
    std::optional<tunnel_record> find_tunnel(std::string_view domain) override;
    std::optional<tunnel_record> find_tunnel_by_token_hash(std::string_view token_hash) override;
    tunnel_record create_tunnel(const new_tunnel& tunnel) override;
    std::optional<tunnel_record> update_tunnel(std::string_view domain, const tunnel_update& update) override;
    bool set_token_hash(std::string_view domain, std::string_view token_hash) override;
    bool delete_tunnel(std::string_view domain) override;
    void record_connected(std::string_view domain, time_point at) override;
    void add_counters(const std::vector<counter_delta>& deltas) override;

    void append_request_logs(const std::vector<request_log_record>& records) override;
    log_page query_request_logs(const log_query& query) override;
    std::int64_t prune_request_logs(time_point older_than, std::int64_t max_rows) override;

private:
    template <class F>
    auto with_session(retry_policy policy, F&& fn);
    std::string redacted(std::string text) const;
    std::optional<tunnel_record> find_by(soci::session& sql, const char* column, const std::string& value);
    int current_version(soci::session& sql);

    std::unique_ptr<soci::connection_pool> pool_;
    dialect dialect_;
    std::string secret_;
};

}  // namespace tunely::store
