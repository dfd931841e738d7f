#include "sql_store.hpp"

#include <algorithm>
#include <cctype>

#include "tunely/core/error.hpp"

namespace tunely::store {
namespace {

long long to_ms(time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
time_point from_ms(long long ms) { return time_point(std::chrono::milliseconds(ms)); }
long long now_ms() { return to_ms(std::chrono::system_clock::now()); }

[[noreturn]] void raise(error e, const std::string& what) { throw std::system_error(make_error_code(e), what); }

// Integer columns come back as int or long long depending on the backend and
// the declared type; read them uniformly.
long long get_int(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return 0;
    switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer: return r.get<int>(i);
    case soci::dt_long_long: return r.get<long long>(i);
    case soci::dt_unsigned_long_long: return static_cast<long long>(r.get<unsigned long long>(i));
    case soci::dt_double: return static_cast<long long>(r.get<double>(i));
    case soci::dt_string: return std::stoll(r.get<std::string>(i));
    default: throw soci::soci_error("unexpected column type for an integer");
    }
}

std::string get_text(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return {};
    return r.get<std::string>(i);
}

std::optional<int> get_optional_int(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return std::nullopt;
    return static_cast<int>(get_int(r, i));
}

// A nullable INTEGER parameter: SOCI 4.0 binds std::optional only through an indicator.
struct nullable_int {
    explicit nullable_int(std::optional<int> v) : value(v.value_or(0)), ind(v ? soci::i_ok : soci::i_null) {}
    int value;
    soci::indicator ind;
};

constexpr const char* tunnel_columns =
    "id, domain, token_hash, name, description, mode, enabled, created_at, updated_at, last_connected_at, "
    "total_requests, bytes_in, bytes_out, tcp_port, udp_port";

tunnel_record tunnel_from(const soci::row& r) {
    tunnel_record t;
    t.id = get_int(r, 0);
    t.domain = get_text(r, 1);
    t.token_hash = get_text(r, 2);
    t.name = get_text(r, 3);
    t.description = get_text(r, 4);
    t.mode = get_text(r, 5);
    t.enabled = get_int(r, 6) != 0;
    t.created_at = from_ms(get_int(r, 7));
    t.updated_at = from_ms(get_int(r, 8));
    if (r.get_indicator(9) != soci::i_null) t.last_connected_at = from_ms(get_int(r, 9));
    t.total_requests = get_int(r, 10);
    t.bytes_in = get_int(r, 11);
    t.bytes_out = get_int(r, 12);
    t.tcp_port = get_optional_int(r, 13);
    t.udp_port = get_optional_int(r, 14);
    return t;
}

constexpr const char* log_columns =
    "id, timestamp, tunnel_domain, method, path, request_headers, request_body, status_code, response_headers, "
    "response_body, error, duration_ms, bytes_in, bytes_out";

request_log_record log_from(const soci::row& r) {
    request_log_record l;
    l.id = get_int(r, 0);
    l.timestamp = from_ms(get_int(r, 1));
    l.tunnel_domain = get_text(r, 2);
    l.method = get_text(r, 3);
    l.path = get_text(r, 4);
    l.request_headers = get_text(r, 5);
    l.request_body = get_text(r, 6);
    l.status_code = static_cast<int>(get_int(r, 7));
    l.response_headers = get_text(r, 8);
    l.response_body = get_text(r, 9);
    l.error = get_text(r, 10);
    l.duration_ms = get_int(r, 11);
    l.bytes_in = get_int(r, 12);
    l.bytes_out = get_int(r, 13);
    return l;
}

// LIKE pattern matching `text` literally anywhere ('!' is the escape character).
std::string contains_pattern(const std::string& text) {
    std::string p = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '!') p.push_back('!');
        p.push_back(c);
    }
    return p + "%";
}

std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// A write transaction begun with the dialect's statement; rolls back unless committed.
class write_transaction {
public:
    write_transaction(soci::session& sql, const dialect& d) : sql_(sql) { sql_ << d.begin_write; }
    ~write_transaction() {
        if (done_) return;
        try {
            sql_ << "ROLLBACK";
        } catch (...) {  // the connection is broken anyway; the error that got us here is reported
        }
    }
    void commit() {
        sql_ << "COMMIT";
        done_ = true;
    }

private:
    soci::session& sql_;
    bool done_ = false;
};

constexpr const char* create_version_table =
    "CREATE TABLE IF NOT EXISTS tunely_schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)";

}  // namespace

sql_store::sql_store(std::unique_ptr<soci::connection_pool> pool, dialect d, std::string secret)
    : pool_(std::move(pool)), dialect_(std::move(d)), secret_(std::move(secret)) {}

sql_store::~sql_store() = default;

std::string sql_store::redacted(std::string text) const {
    if (secret_.empty()) return text;
    for (auto pos = text.find(secret_); pos != std::string::npos; pos = text.find(secret_, pos + 3))
        text.replace(pos, secret_.size(), "***");
    return text;
}

// Leases a session, runs `fn` with it and maps database errors onto the store's
// contract by their codes (dialect::classify): store_conflict for a UNIQUE
// violation, store_unavailable for everything else. Whether `fn` may run a
// second time after its connection broke is the caller's `policy`: reads are
// repeated once on a fresh connection; writes only ever run once, on a
// connection that answered a ping just before, so a database restart between
// two calls costs a write nothing while a lost COMMIT answer is never repeated.
template <class F>
auto sql_store::with_session(retry_policy policy, F&& fn) {
    soci::session sql(*pool_);
    if (policy == retry_policy::write && !sql.is_connected()) {
        try {
            sql.reconnect();
        } catch (const soci::soci_error& e) {
            raise(error::store_unavailable, redacted("no connection, reconnecting failed: " + e.get_error_message()));
        }
    }
    for (int attempt = 0;; ++attempt) {
        try {
            return fn(sql);
        } catch (const std::system_error&) {
            throw;
        } catch (const soci::soci_error& e) {
            auto kind = dialect_.classify(e);
            if (kind == failure_kind::unique_violation) raise(error::store_conflict, redacted(e.get_error_message()));
            // SOCI cannot always tell a broken link by its codes (a blank SQLSTATE
            // from PostgreSQL): the session knows. A write's session is left as it
            // is: the next write's ping replaces it.
            bool retry = policy == retry_policy::read && attempt == 0 &&
                         (kind == failure_kind::connection_lost || !sql.is_connected());
            std::string why = e.get_error_message();
            if (retry) {
                try {
                    sql.reconnect();
                    continue;
                } catch (const soci::soci_error& still_down) {
                    why += "; reconnecting failed: " + still_down.get_error_message();
                }
            }
            raise(error::store_unavailable, redacted(why));
        } catch (const std::bad_cast&) {
            raise(error::store_unavailable, "unexpected column type");
        }
    }
}

// --- schema ---

int sql_store::current_version(soci::session& sql) {
    sql << create_version_table;
    long long version = 0;
    soci::indicator ind = soci::i_ok;
    sql << "SELECT MAX(version) FROM tunely_schema_migrations", soci::into(version, ind);
    return ind == soci::i_null ? 0 : static_cast<int>(version);
}

int sql_store::schema_version() {
    // A read: current_version's CREATE TABLE IF NOT EXISTS may safely run twice.
    return with_session(retry_policy::read, [&](soci::session& sql) { return current_version(sql); });
}

int sql_store::latest_schema_version() const { return static_cast<int>(dialect_.migrations.size()); }

void sql_store::migrate_to(int target) {
    with_session(retry_policy::write, [&](soci::session& sql) {
        int current = current_version(sql);
        int latest = latest_schema_version();
        if (current > latest)
            raise(error::schema_too_new, "database schema version " + std::to_string(current) +
                                             " is newer than this build supports (" + std::to_string(latest) + ")");
        if (target < 0 || target > latest)
            raise(error::invalid_field, "no schema version " + std::to_string(target) + " (known: 0.." +
                                            std::to_string(latest) + ")");
        while (current < target) {
            const auto& m = dialect_.migrations[static_cast<std::size_t>(current)];
            write_transaction tr(sql, dialect_);
            for (const auto& statement : m.up) sql << statement;
            long long at = now_ms();
            int v = m.version;
            sql << "INSERT INTO tunely_schema_migrations (version, applied_at) VALUES (:v, :at)", soci::use(v),
                soci::use(at);
            tr.commit();
            current = m.version;
        }
        while (current > target) {
            const auto& m = dialect_.migrations[static_cast<std::size_t>(current - 1)];
            write_transaction tr(sql, dialect_);
            for (const auto& statement : m.down) sql << statement;
            int v = m.version;
            sql << "DELETE FROM tunely_schema_migrations WHERE version = :v", soci::use(v);
            tr.commit();
            current = m.version - 1;
        }
        return 0;
    });
}

std::vector<store::migration_info> sql_store::migrations() {
    int current = schema_version();
    std::vector<migration_info> out;
    for (const auto& m : dialect_.migrations) out.push_back({m.version, m.description, m.version <= current});
    return out;
}

// --- tunnels ---

std::optional<tunnel_record> sql_store::find_by(soci::session& sql, const char* column, const std::string& value) {
    std::string query = std::string("SELECT ") + tunnel_columns + " FROM tunnels WHERE " + column + " = :v";
    soci::rowset<soci::row> rows = (sql.prepare << query, soci::use(value));
    for (const auto& r : rows) return tunnel_from(r);
    return std::nullopt;
}

std::vector<tunnel_record> sql_store::list_tunnels() {
    return with_session(retry_policy::read, [&](soci::session& sql) {
        std::vector<tunnel_record> out;
        soci::rowset<soci::row> rows =
            sql.prepare << std::string("SELECT ") + tunnel_columns + " FROM tunnels ORDER BY created_at DESC, id DESC";
        for (const auto& r : rows) out.push_back(tunnel_from(r));
        return out;
    });
}

std::vector<tunnel_record> sql_store::tunnels_with_ports() {
    return with_session(retry_policy::read, [&](soci::session& sql) {
        std::vector<tunnel_record> out;
        soci::rowset<soci::row> rows =
            sql.prepare << std::string("SELECT ") + tunnel_columns +
                               " FROM tunnels WHERE tcp_port IS NOT NULL OR udp_port IS NOT NULL ORDER BY id";
        for (const auto& r : rows) out.push_back(tunnel_from(r));
        return out;
    });
}

std::optional<tunnel_record> sql_store::find_tunnel(std::string_view domain) {
    return with_session(retry_policy::read,
                        [&](soci::session& sql) { return find_by(sql, "domain", std::string(domain)); });
}

std::optional<tunnel_record> sql_store::find_tunnel_by_token_hash(std::string_view token_hash) {
    return with_session(retry_policy::read,
                        [&](soci::session& sql) { return find_by(sql, "token_hash", std::string(token_hash)); });
}

tunnel_record sql_store::create_tunnel(const new_tunnel& t) {
    return with_session(retry_policy::write, [&](soci::session& sql) {
        write_transaction tr(sql, dialect_);
        long long clashes = 0;
        sql << "SELECT COUNT(*) FROM tunnels WHERE domain = :d OR token_hash = :h", soci::into(clashes),
            soci::use(t.domain, "d"), soci::use(t.token_hash, "h");
        if (clashes > 0) raise(error::store_conflict, "domain or token already exists");
        long long now = t.created_at ? to_ms(*t.created_at) : now_ms();
        // A port another tunnel has fails the INSERT on its UNIQUE index: store_conflict.
        nullable_int tcp(t.tcp_port), udp(t.udp_port);
        sql << "INSERT INTO tunnels (domain, token_hash, name, description, mode, enabled, created_at, updated_at, "
               "total_requests, bytes_in, bytes_out, tcp_port, udp_port) VALUES (:domain, :hash, :name, "
               ":description, :mode, 1, :created, :updated, 0, 0, 0, :tcp, :udp)",
            soci::use(t.domain, "domain"), soci::use(t.token_hash, "hash"), soci::use(t.name, "name"),
            soci::use(t.description, "description"), soci::use(t.mode, "mode"), soci::use(now, "created"),
            soci::use(now, "updated"), soci::use(tcp.value, tcp.ind, "tcp"), soci::use(udp.value, udp.ind, "udp");
        auto created = find_by(sql, "domain", t.domain);
        tr.commit();
        if (!created) raise(error::store_unavailable, "inserted tunnel not found");
        return *created;
    });
}

std::optional<tunnel_record> sql_store::update_tunnel(std::string_view domain, const tunnel_update& u) {
    return with_session(retry_policy::write, [&](soci::session& sql) -> std::optional<tunnel_record> {
        write_transaction tr(sql, dialect_);
        std::string d(domain);
        auto current = find_by(sql, "domain", d);
        if (!current) return std::nullopt;
        std::string name = u.name.value_or(current->name);
        std::string description = u.description.value_or(current->description);
        int enabled = u.enabled.value_or(current->enabled) ? 1 : 0;
        std::string mode = u.mode.value_or(current->mode);
        // A port another tunnel has fails the UPDATE on its UNIQUE index: store_conflict.
        nullable_int tcp(u.tcp_port.value_or(current->tcp_port)), udp(u.udp_port.value_or(current->udp_port));
        long long now = std::max(now_ms(), to_ms(current->updated_at));
        sql << "UPDATE tunnels SET name = :name, description = :description, enabled = :enabled, mode = :mode, "
               "tcp_port = :tcp, udp_port = :udp, updated_at = :now WHERE domain = :domain",
            soci::use(name, "name"), soci::use(description, "description"), soci::use(enabled, "enabled"),
            soci::use(mode, "mode"), soci::use(tcp.value, tcp.ind, "tcp"), soci::use(udp.value, udp.ind, "udp"),
            soci::use(now, "now"), soci::use(d, "domain");
        auto updated = find_by(sql, "domain", d);
        tr.commit();
        return updated;
    });
}

bool sql_store::set_token_hash(std::string_view domain, std::string_view token_hash) {
    return with_session(retry_policy::write, [&](soci::session& sql) {
        std::string d(domain), h(token_hash);
        long long now = now_ms();
        soci::statement st = (sql.prepare << "UPDATE tunnels SET token_hash = :h, updated_at = :now WHERE domain = :d",
                              soci::use(h, "h"), soci::use(now, "now"), soci::use(d, "d"));
        st.execute(true);
        return st.get_affected_rows() > 0;
    });
}

bool sql_store::delete_tunnel(std::string_view domain) {
    return with_session(retry_policy::write, [&](soci::session& sql) {
        std::string d(domain);
        soci::statement st = (sql.prepare << "DELETE FROM tunnels WHERE domain = :d", soci::use(d));
        st.execute(true);
        return st.get_affected_rows() > 0;
    });
}

void sql_store::record_connected(std::string_view domain, time_point at) {
    with_session(retry_policy::write, [&](soci::session& sql) {
        std::string d(domain);
        long long t = to_ms(at);
        sql << "UPDATE tunnels SET last_connected_at = :t WHERE domain = :d", soci::use(t, "t"), soci::use(d, "d");
        return 0;
    });
}

void sql_store::add_counters(const std::vector<counter_delta>& deltas) {
    if (deltas.empty()) return;
    with_session(retry_policy::write, [&](soci::session& sql) {
        write_transaction tr(sql, dialect_);
        std::string d;
        long long requests = 0, in = 0, out = 0;
        soci::statement st = (sql.prepare << "UPDATE tunnels SET total_requests = total_requests + :r, "
                                             "bytes_in = bytes_in + :i, bytes_out = bytes_out + :o WHERE domain = :d",
                              soci::use(requests, "r"), soci::use(in, "i"), soci::use(out, "o"), soci::use(d, "d"));
        for (const auto& delta : deltas) {
            d = delta.domain;
            requests = delta.requests;
            in = delta.bytes_in;
            out = delta.bytes_out;
            st.execute(true);
        }
        tr.commit();
        return 0;
    });
}

// --- request log ---

void sql_store::append_request_logs(const std::vector<request_log_record>& records) {
    if (records.empty()) return;
    with_session(retry_policy::write, [&](soci::session& sql) {
        write_transaction tr(sql, dialect_);
        request_log_record r;
        long long ts = 0, duration = 0, in = 0, out = 0;
        int status = 0;
        soci::statement st =
            (sql.prepare << "INSERT INTO tunnel_request_logs (timestamp, tunnel_domain, method, path, request_headers, "
                            "request_body, status_code, response_headers, response_body, error, duration_ms, bytes_in, "
                            "bytes_out) VALUES (:ts, :domain, :method, :path, :reqh, :reqb, :status, :resh, :resb, "
                            ":error, :duration, :bin, :bout)",
             soci::use(ts, "ts"), soci::use(r.tunnel_domain, "domain"), soci::use(r.method, "method"),
             soci::use(r.path, "path"), soci::use(r.request_headers, "reqh"), soci::use(r.request_body, "reqb"),
             soci::use(status, "status"), soci::use(r.response_headers, "resh"), soci::use(r.response_body, "resb"),
             soci::use(r.error, "error"), soci::use(duration, "duration"), soci::use(in, "bin"),
             soci::use(out, "bout"));
        for (const auto& rec : records) {
            r = rec;
            ts = to_ms(rec.timestamp);
            status = rec.status_code;
            duration = rec.duration_ms;
            in = rec.bytes_in;
            out = rec.bytes_out;
            st.execute(true);
        }
        tr.commit();
        return 0;
    });
}

log_page sql_store::query_request_logs(const log_query& q) {
    return with_session(retry_policy::read, [&](soci::session& sql) {
        // Every filter is always present with a neutral value when unused, so
        // one statement text serves all combinations.
        int has_domain = q.domain ? 1 : 0, has_method = q.method ? 1 : 0, has_path = q.path_contains ? 1 : 0;
        int failures = q.failures_only ? 1 : 0;
        std::string domain = q.domain.value_or(""), method = upper(q.method.value_or(""));
        std::string pattern = contains_pattern(q.path_contains.value_or(""));
        int status_lo = q.status_class ? *q.status_class * 100 : 0;
        int status_hi = q.status_class ? *q.status_class * 100 + 99 : 99999;
        long long since = q.since ? to_ms(*q.since) : std::numeric_limits<long long>::min();
        long long until = q.until ? to_ms(*q.until) : std::numeric_limits<long long>::max();
        long long limit = std::max<long long>(q.limit, 0), offset = std::max<long long>(q.offset, 0);
        const std::string where =
            " FROM tunnel_request_logs WHERE (:hd = 0 OR tunnel_domain = :d) AND status_code >= :slo AND "
            "status_code <= :shi AND (:hm = 0 OR UPPER(method) = :m) AND (:hp = 0 OR path LIKE :p ESCAPE '!') AND "
            "timestamp >= :since AND timestamp <= :until AND "
            "(:fo = 0 OR status_code >= 500 OR status_code < 100 OR error <> '')";
        log_page page;
        sql << "SELECT COUNT(*)" + where, soci::into(page.total), soci::use(has_domain, "hd"), soci::use(domain, "d"),
            soci::use(status_lo, "slo"), soci::use(status_hi, "shi"), soci::use(has_method, "hm"),
            soci::use(method, "m"), soci::use(has_path, "hp"), soci::use(pattern, "p"), soci::use(since, "since"),
            soci::use(until, "until"), soci::use(failures, "fo");
        soci::rowset<soci::row> rows =
            (sql.prepare << std::string("SELECT ") + log_columns + where +
                                " ORDER BY timestamp DESC, id DESC LIMIT :lim OFFSET :off",
             soci::use(has_domain, "hd"), soci::use(domain, "d"), soci::use(status_lo, "slo"),
             soci::use(status_hi, "shi"), soci::use(has_method, "hm"), soci::use(method, "m"),
             soci::use(has_path, "hp"), soci::use(pattern, "p"), soci::use(since, "since"), soci::use(until, "until"),
             soci::use(failures, "fo"), soci::use(limit, "lim"), soci::use(offset, "off"));
        for (const auto& r : rows) page.logs.push_back(log_from(r));
        return page;
    });
}

std::int64_t sql_store::prune_request_logs(time_point older_than, std::int64_t max_rows) {
    return with_session(retry_policy::write, [&](soci::session& sql) {
        write_transaction tr(sql, dialect_);
        long long cutoff = to_ms(older_than);
        soci::statement by_age =
            (sql.prepare << "DELETE FROM tunnel_request_logs WHERE timestamp < :cutoff", soci::use(cutoff));
        by_age.execute(true);
        std::int64_t deleted = by_age.get_affected_rows();
        // The newest `max_rows` rows stay: find the first row beyond them and
        // delete it and everything older.
        long long keep = std::max<std::int64_t>(max_rows, 0);
        soci::rowset<soci::row> edge = (sql.prepare << "SELECT timestamp, id FROM tunnel_request_logs ORDER BY "
                                                       "timestamp DESC, id DESC LIMIT 1 OFFSET :keep",
                                        soci::use(keep));
        for (const auto& r : edge) {
            long long ts = get_int(r, 0), id = get_int(r, 1), ts2 = ts;
            soci::statement by_count = (sql.prepare << "DELETE FROM tunnel_request_logs WHERE timestamp < :t OR "
                                                       "(timestamp = :t2 AND id <= :id)",
                                        soci::use(ts, "t"), soci::use(ts2, "t2"), soci::use(id, "id"));
            by_count.execute(true);
            deleted += by_count.get_affected_rows();
            break;
        }
        tr.commit();
        return deleted;
    });
}

}  // namespace tunely::store
