// One conformance suite for every store backend: each test runs against every
// factory registered at the bottom (SQLite file and in-memory now; PostgreSQL
// and MariaDB join with one line each).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <random>
#include <thread>
#include <atomic>

#include "server_databases.hpp"
#include "tunely/core/error.hpp"
#include "tunely/store/database_url.hpp"
#include "tunely/store/sqlite_store.hpp"

#include <sqlite3.h>

namespace tunely::store {
namespace {

using factory = std::function<std::unique_ptr<store>()>;

struct backend {
    std::string name;
    factory make;
    // Runs a statement on the database `make` last opened, beside the store
    // (writes rows an older build would have written). Empty for ":memory:".
    std::function<void(const std::string&)> execute;
};

void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

std::filesystem::path temp_db_path() {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("tunely-store-" + std::to_string(rd()));
    return dir / "nested" / "tunnels.db";
}

// The file the sqlite_file backend opened last (each test gets a fresh one).
std::filesystem::path& sqlite_file_path() {
    static std::filesystem::path path;
    return path;
}

void sqlite_file_execute(const std::string& statement) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(sqlite_file_path().c_str(), &raw), SQLITE_OK);
    sqlite3_busy_timeout(raw, 10000);
    char* problem = nullptr;
    auto rc = sqlite3_exec(raw, statement.c_str(), nullptr, nullptr, &problem);
    std::string text = problem ? problem : "";
    sqlite3_free(problem);
    sqlite3_close(raw);
    ASSERT_EQ(rc, SQLITE_OK) << text;
}

std::function<void(const std::string&)> server_execute(backend_kind kind) {
    return [kind](const std::string& statement) {
        auto o = test::server_from_env(kind);
        ASSERT_TRUE(o);
        soci::session sql;
        test::open_raw(sql, kind, *o);
        sql << statement;
    };
}

// Every column but the listener ports.
void expect_same_but_ports(const tunnel_record& a, const tunnel_record& b) {
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.domain, b.domain);
    EXPECT_EQ(a.token_hash, b.token_hash);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.description, b.description);
    EXPECT_EQ(a.mode, b.mode);
    EXPECT_EQ(a.enabled, b.enabled);
    EXPECT_EQ(a.created_at, b.created_at);
    EXPECT_EQ(a.updated_at, b.updated_at);
    EXPECT_EQ(a.last_connected_at, b.last_connected_at);
    EXPECT_EQ(a.total_requests, b.total_requests);
    EXPECT_EQ(a.bytes_in, b.bytes_in);
    EXPECT_EQ(a.bytes_out, b.bytes_out);
}

std::error_code conflict() { return make_error_code(error::store_conflict); }

class store_conformance : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        db = GetParam().make();
        if (!db && !HasFailure()) GTEST_SKIP() << "run through scripts/with-test-databases.sh (make test does)";
        ASSERT_TRUE(db) << "backend not configured";
        db->migrate_to(0);  // server databases are shared between tests: start empty
        db->migrate_to(db->latest_schema_version());
    }

    new_tunnel tunnel(const std::string& domain) {
        new_tunnel t;
        t.domain = domain;
        t.token_hash = std::string(64, 'a' + static_cast<char>(counter++ % 26)) + domain;
        t.token_hash.resize(64);
        t.name = "Name " + domain;
        t.description = "about " + domain;
        return t;
    }

    request_log_record log(const std::string& domain, int status, time_point at, const std::string& path = "/x",
                           const std::string& method = "GET") {
        request_log_record r;
        r.timestamp = at;
        r.tunnel_domain = domain;
        r.method = method;
        r.path = path;
        r.request_headers = R"({"accept":"*/*"})";
        r.status_code = status;
        r.response_headers = "{}";
        r.duration_ms = 7;
        r.bytes_in = 1;
        r.bytes_out = 2;
        return r;
    }

    std::unique_ptr<store> db;
    int counter = 0;
};

TEST_P(store_conformance, migrations_go_up_down_and_up_again) {
    EXPECT_EQ(db->schema_version(), db->latest_schema_version());
    EXPECT_GE(db->latest_schema_version(), 1);
    db->create_tunnel(tunnel("before-down"));
    db->migrate_to(0);
    EXPECT_EQ(db->schema_version(), 0);
    db->migrate_to(db->latest_schema_version());
    EXPECT_EQ(db->schema_version(), db->latest_schema_version());
    EXPECT_TRUE(db->list_tunnels().empty()) << "down-migration drops the tables";
    EXPECT_THROW(db->migrate_to(db->latest_schema_version() + 1), std::system_error);
}

TEST_P(store_conformance, create_find_list_newest_first) {
    auto a = db->create_tunnel(tunnel("alpha"));
    EXPECT_GT(a.id, 0);
    EXPECT_EQ(a.domain, "alpha");
    EXPECT_TRUE(a.enabled);
    EXPECT_EQ(a.mode, "http");
    EXPECT_FALSE(a.last_connected_at.has_value());
    EXPECT_FALSE(a.tcp_port.has_value());
    EXPECT_FALSE(a.udp_port.has_value());
    EXPECT_EQ(a.created_at, a.updated_at);
    auto b = db->create_tunnel(tunnel("beta"));
    auto list = db->list_tunnels();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].domain, "beta");
    EXPECT_EQ(list[1].domain, "alpha");
    EXPECT_EQ(db->find_tunnel("alpha")->id, a.id);
    EXPECT_EQ(db->find_tunnel_by_token_hash(b.token_hash)->domain, "beta");
    EXPECT_FALSE(db->find_tunnel("gamma").has_value());
    EXPECT_FALSE(db->find_tunnel_by_token_hash(std::string(64, 'z')).has_value());
}

TEST_P(store_conformance, duplicates_are_conflicts) {
    auto t = tunnel("same");
    db->create_tunnel(t);
    try {
        db->create_tunnel(t);
        FAIL() << "expected a conflict";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), make_error_code(error::store_conflict));
    }
    auto other = tunnel("other");
    other.token_hash = t.token_hash;
    EXPECT_THROW(db->create_tunnel(other), std::system_error);
    EXPECT_EQ(db->list_tunnels().size(), 1u);
}

TEST_P(store_conformance, update_changes_only_given_fields) {
    db->create_tunnel(tunnel("upd"));
    tunnel_update u;
    u.enabled = false;
    auto r = db->update_tunnel("upd", u);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->enabled);
    EXPECT_EQ(r->name, "Name upd");
    u = {};
    u.name = "日本語 🚀";
    u.description = "émoji ✓";
    r = db->update_tunnel("upd", u);
    EXPECT_EQ(r->name, "日本語 🚀");
    EXPECT_EQ(r->description, "émoji ✓");
    EXPECT_FALSE(r->enabled);
    EXPECT_GE(r->updated_at, r->created_at);
    EXPECT_FALSE(db->update_tunnel("missing", u).has_value());
}

TEST_P(store_conformance, token_rotation_delete_connected_counters) {
    auto t = db->create_tunnel(tunnel("rot"));
    std::string fresh(64, '9');
    EXPECT_TRUE(db->set_token_hash("rot", fresh));
    EXPECT_FALSE(db->find_tunnel_by_token_hash(t.token_hash).has_value());
    EXPECT_EQ(db->find_tunnel_by_token_hash(fresh)->domain, "rot");
    EXPECT_FALSE(db->set_token_hash("missing", fresh));

    auto at = time_point(std::chrono::milliseconds(1'700'000'000'123));
    db->record_connected("rot", at);
    EXPECT_EQ(db->find_tunnel("rot")->last_connected_at, at);

    db->add_counters({{"rot", 3, 100, 2000}, {"missing", 1, 1, 1}});
    db->add_counters({{"rot", 2, 5, 5}});
    auto after = db->find_tunnel("rot");
    EXPECT_EQ(after->total_requests, 5);
    EXPECT_EQ(after->bytes_in, 105);
    EXPECT_EQ(after->bytes_out, 2005);

    EXPECT_TRUE(db->delete_tunnel("rot"));
    EXPECT_FALSE(db->delete_tunnel("rot"));
    EXPECT_FALSE(db->find_tunnel("rot").has_value());
}

TEST_P(store_conformance, request_log_filters_and_pages) {
    auto t0 = time_point(std::chrono::milliseconds(1'700'000'000'000));
    std::vector<request_log_record> batch;
    for (int i = 0; i < 30; ++i) {
        batch.push_back(log(i % 2 ? "odd" : "even", i % 3 == 0 ? 500 : 200, t0 + std::chrono::seconds(i),
                            "/item/" + std::to_string(i), i % 5 == 0 ? "POST" : "GET"));
    }
    batch[4].path = "/" + std::string(999, 'p');
    batch[6].request_body = std::string(4096, 'b');
    batch[8].response_body = "日本語 🚀";
    batch[1].status_code = 0;  // failed before a status
    batch[2].error = "target reset the stream";
    batch[4].error = "Target service timeout";
    db->append_request_logs(batch);

    log_query all;
    all.limit = 100;
    auto page = db->query_request_logs(all);
    EXPECT_EQ(page.total, 30);
    ASSERT_EQ(page.logs.size(), 30u);
    EXPECT_EQ(page.logs.front().path, "/item/29") << "newest first";
    EXPECT_GT(page.logs.front().id, 0);

    log_query q;
    q.domain = "even";
    q.limit = 4;
    q.offset = 2;
    page = db->query_request_logs(q);
    EXPECT_EQ(page.total, 15);
    ASSERT_EQ(page.logs.size(), 4u);
    EXPECT_EQ(page.logs[0].path, "/item/24");

    q = {};
    q.status_class = 5;
    EXPECT_EQ(db->query_request_logs(q).total, 10);
    q = {};
    q.failures_only = true;
    EXPECT_EQ(db->query_request_logs(q).total, 13) << "10 × 500, one status 0, two 200s with an error text";
    q.domain = "odd";
    EXPECT_EQ(db->query_request_logs(q).total, 6);  // 3, 9, 15, 21, 27 and 1
    q = {};
    q.method = "post";
    EXPECT_EQ(db->query_request_logs(q).total, 6);
    q = {};
    q.path_contains = "item/1";
    EXPECT_EQ(db->query_request_logs(q).total, 11);  // 1, 10..19
    q = {};
    q.path_contains = "%";
    EXPECT_EQ(db->query_request_logs(q).total, 0) << "LIKE wildcards are matched literally";
    q = {};
    q.since = t0 + std::chrono::seconds(10);
    q.until = t0 + std::chrono::seconds(12);
    EXPECT_EQ(db->query_request_logs(q).total, 3);

    q = {};
    q.path_contains = std::string(999, 'p');
    ASSERT_EQ(db->query_request_logs(q).logs.size(), 1u);
    EXPECT_EQ(db->query_request_logs(q).logs[0].path.size(), 1000u);
    q = {};
    q.limit = 100;
    for (const auto& l : db->query_request_logs(q).logs) {
        if (l.path == "/item/6") {
            EXPECT_EQ(l.request_body.size(), 4096u);
        }
        if (l.path == "/item/8") {
            EXPECT_EQ(l.response_body, "日本語 🚀");
            EXPECT_EQ(l.request_headers, R"({"accept":"*/*"})");
        }
    }
}

TEST_P(store_conformance, prune_by_age_then_count) {
    auto t0 = time_point(std::chrono::milliseconds(1'700'000'000'000));
    std::vector<request_log_record> batch;
    for (int i = 0; i < 20; ++i) batch.push_back(log("p", 200, t0 + std::chrono::seconds(i)));
    db->append_request_logs(batch);
    EXPECT_EQ(db->prune_request_logs(t0 + std::chrono::seconds(5), 1000), 5);
    EXPECT_EQ(db->prune_request_logs(t0, 10), 5);
    log_query q;
    q.limit = 100;
    auto page = db->query_request_logs(q);
    EXPECT_EQ(page.total, 10);
    EXPECT_EQ(page.logs.back().timestamp, t0 + std::chrono::seconds(10)) << "the newest rows stay";
    EXPECT_EQ(db->prune_request_logs(t0, 10), 0);
}

TEST_P(store_conformance, concurrent_writers) {
    if (GetParam().name == "sqlite_memory") GTEST_SKIP() << "one connection: concurrency is the pool's, not the database's";
    constexpr int threads = 4, per_thread = 15;
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    new_tunnel nt;
                    char name[32];  // snprintf: g++ 12 warns falsely (-Wrestrict) on string concatenation here
                    std::snprintf(name, sizeof name, "w%d-%d", t, i);
                    nt.domain = name;
                    auto id = std::to_string(t * 1000 + i);
                    nt.token_hash = id + std::string(64 - id.size(), 'x');
                    db->create_tunnel(nt);
                    db->append_request_logs({log(nt.domain, 200, std::chrono::system_clock::now())});
                } catch (...) {
                    ++failures;
                }
            }
        });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(db->list_tunnels().size(), static_cast<std::size_t>(threads * per_thread));
    EXPECT_EQ(db->query_request_logs({}).total, threads * per_thread);
}

// --- schema version 2: TCP and UDP listener ports ---

TEST_P(store_conformance, schema_version_2_adds_listener_ports) {
    EXPECT_EQ(db->latest_schema_version(), 2);
    EXPECT_EQ(db->schema_version(), 2);
    auto m = db->migrations();
    ASSERT_EQ(m.size(), 2u);
    EXPECT_EQ(m[0].version, 1);
    EXPECT_EQ(m[0].description, "tunnels and request log");
    EXPECT_EQ(m[1].version, 2);
    EXPECT_EQ(m[1].description, "TCP and UDP listener ports");
    EXPECT_TRUE(m[1].applied);
    db->migrate_to(1);
    EXPECT_EQ(db->schema_version(), 1);
    m = db->migrations();
    EXPECT_TRUE(m[0].applied);
    EXPECT_FALSE(m[1].applied);
}

TEST_P(store_conformance, ports_are_written_at_create_and_read_by_every_query) {
    auto t = tunnel("ported");
    t.mode = "tcp";
    t.tcp_port = 15000;
    t.udp_port = 15001;
    auto created = db->create_tunnel(t);
    EXPECT_EQ(created.mode, "tcp");
    EXPECT_EQ(created.tcp_port, 15000);
    EXPECT_EQ(created.udp_port, 15001);
    EXPECT_EQ(db->find_tunnel("ported")->tcp_port, 15000);
    EXPECT_EQ(db->find_tunnel_by_token_hash(t.token_hash)->udp_port, 15001);
    // Tunnels without ports: NULL many times over; the same number as TCP and as UDP port.
    db->create_tunnel(tunnel("plain-1"));
    db->create_tunnel(tunnel("plain-2"));
    auto udp_only = tunnel("udp-only");
    udp_only.udp_port = 15000;
    db->create_tunnel(udp_only);
    auto tcp_only = tunnel("tcp-only");
    tcp_only.tcp_port = 65535;
    db->create_tunnel(tcp_only);

    auto list = db->list_tunnels();
    ASSERT_EQ(list.size(), 5u);
    for (const auto& r : list) {
        if (r.domain == "ported") {
            EXPECT_EQ(r.tcp_port, 15000);
            EXPECT_EQ(r.udp_port, 15001);
        } else if (r.domain == "udp-only") {
            EXPECT_FALSE(r.tcp_port.has_value());
            EXPECT_EQ(r.udp_port, 15000);
        } else if (r.domain == "tcp-only") {
            EXPECT_EQ(r.tcp_port, 65535);
            EXPECT_FALSE(r.udp_port.has_value());
        } else {
            EXPECT_FALSE(r.tcp_port.has_value()) << r.domain;
            EXPECT_FALSE(r.udp_port.has_value()) << r.domain;
        }
    }

    auto listeners = db->tunnels_with_ports();
    ASSERT_EQ(listeners.size(), 3u);
    EXPECT_EQ(listeners[0].domain, "ported") << "ordered by id";
    EXPECT_EQ(listeners[1].domain, "udp-only");
    EXPECT_EQ(listeners[2].domain, "tcp-only");
    EXPECT_EQ(listeners[0].udp_port, 15001);
    // Disabled tunnels keep their ports (the listener refuses while the tunnel is off).
    tunnel_update off;
    off.enabled = false;
    db->update_tunnel("tcp-only", off);
    listeners = db->tunnels_with_ports();
    ASSERT_EQ(listeners.size(), 3u);
    EXPECT_FALSE(listeners[2].enabled);
}

TEST_P(store_conformance, update_moves_and_removes_ports) {
    auto t = tunnel("mover");
    t.tcp_port = 16000;
    t.udp_port = 16001;
    db->create_tunnel(t);

    tunnel_update u;
    u.tcp_port = 16100;  // udp_port absent: unchanged
    auto r = db->update_tunnel("mover", u);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->tcp_port, 16100);
    EXPECT_EQ(r->udp_port, 16001);
    EXPECT_EQ(r->name, "Name mover");

    // The freed port is free for another tunnel.
    auto other = tunnel("other");
    other.tcp_port = 16000;
    EXPECT_EQ(db->create_tunnel(other).tcp_port, 16000);

    u = {};
    u.udp_port = std::optional<int>{};  // present and empty: NULL
    r = db->update_tunnel("mover", u);
    EXPECT_EQ(r->tcp_port, 16100);
    EXPECT_FALSE(r->udp_port.has_value());
    EXPECT_FALSE(db->find_tunnel("mover")->udp_port.has_value());

    u = {};
    u.name = "renamed";  // ports absent: both unchanged
    r = db->update_tunnel("mover", u);
    EXPECT_EQ(r->tcp_port, 16100);
    EXPECT_FALSE(r->udp_port.has_value());

    u = {};
    u.tcp_port = r->tcp_port;  // its own port again: no conflict with itself
    EXPECT_EQ(db->update_tunnel("mover", u)->tcp_port, 16100);

    u = {};
    u.tcp_port = std::optional<int>{};
    u.udp_port = 16001;
    r = db->update_tunnel("mover", u);
    EXPECT_FALSE(r->tcp_port.has_value());
    EXPECT_EQ(r->udp_port, 16001);
    u = {};
    u.udp_port = std::optional<int>{};
    r = db->update_tunnel("mover", u);
    EXPECT_FALSE(r->tcp_port.has_value());
    EXPECT_FALSE(r->udp_port.has_value());

    auto listeners = db->tunnels_with_ports();
    ASSERT_EQ(listeners.size(), 1u);
    EXPECT_EQ(listeners[0].domain, "other");
    u = {};
    u.tcp_port = 1;
    EXPECT_FALSE(db->update_tunnel("missing", u).has_value());
}

TEST_P(store_conformance, a_port_another_tunnel_has_is_a_conflict) {
    auto a = tunnel("holder");
    a.tcp_port = 17000;
    a.udp_port = 17001;
    db->create_tunnel(a);
    auto b = tunnel("taker");
    b.tcp_port = 17002;
    b.udp_port = 17003;
    db->create_tunnel(b);

    auto c = tunnel("newcomer");
    c.tcp_port = 17000;
    EXPECT_EQ(test::code_of([&] { db->create_tunnel(c); }), conflict());
    c.tcp_port.reset();
    c.udp_port = 17001;
    EXPECT_EQ(test::code_of([&] { db->create_tunnel(c); }), conflict());
    EXPECT_FALSE(db->find_tunnel("newcomer").has_value()) << "nothing of a refused create is written";

    tunnel_update u;
    u.name = "not applied";
    u.tcp_port = 17000;
    EXPECT_EQ(test::code_of([&] { db->update_tunnel("taker", u); }), conflict());
    u.tcp_port.reset();
    u.udp_port = 17001;
    EXPECT_EQ(test::code_of([&] { db->update_tunnel("taker", u); }), conflict());
    auto taker = db->find_tunnel("taker");
    EXPECT_EQ(taker->name, "Name taker") << "nothing of a refused update is applied";
    EXPECT_EQ(taker->tcp_port, 17002);
    EXPECT_EQ(taker->udp_port, 17003);

    // The store stays usable after the refused statements.
    c.udp_port = 17004;
    EXPECT_EQ(db->create_tunnel(c).udp_port, 17004);
    EXPECT_EQ(db->list_tunnels().size(), 3u);
}

TEST_P(store_conformance, mode_is_updated_like_any_field) {
    auto created = db->create_tunnel(tunnel("moded"));
    EXPECT_EQ(created.mode, "http");
    tunnel_update u;
    u.mode = "tcp";
    auto r = db->update_tunnel("moded", u);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->mode, "tcp");
    EXPECT_EQ(r->name, "Name moded");
    EXPECT_EQ(r->description, "about moded");
    EXPECT_TRUE(r->enabled);
    u = {};
    u.enabled = false;
    EXPECT_EQ(db->update_tunnel("moded", u)->mode, "tcp") << "mode absent: unchanged";
    u = {};
    u.mode = "http";
    EXPECT_EQ(db->update_tunnel("moded", u)->mode, "http");
    EXPECT_EQ(db->find_tunnel("moded")->mode, "http");
}

TEST_P(store_conformance, migration_2_down_and_up_keeps_the_other_columns) {
    // A row as a version-1 build wrote it (where the backend can be reached beside the store).
    const auto legacy_hash = std::string(64, 'l');
    db->migrate_to(1);
    ASSERT_EQ(db->schema_version(), 1);
    if (GetParam().execute) {
        GetParam().execute(
            "INSERT INTO tunnels (domain, token_hash, name, description, mode, enabled, created_at, updated_at, "
            "last_connected_at, total_requests, bytes_in, bytes_out) VALUES ('legacy', '" + legacy_hash +
            "', 'Legacy 日本', 'from version 1', 'tcp', 0, 1600000000000, 1600000000500, 1600000001000, 7, 8, 9)");
        if (HasFatalFailure()) return;
    }
    db->migrate_to(2);
    ASSERT_EQ(db->schema_version(), 2);
    if (GetParam().execute) {
        auto legacy = db->find_tunnel_by_token_hash(legacy_hash);
        ASSERT_TRUE(legacy.has_value());
        EXPECT_EQ(legacy->domain, "legacy");
        EXPECT_EQ(legacy->name, "Legacy 日本");
        EXPECT_EQ(legacy->description, "from version 1");
        EXPECT_EQ(legacy->mode, "tcp");
        EXPECT_FALSE(legacy->enabled);
        EXPECT_EQ(legacy->created_at, time_point(std::chrono::milliseconds(1600000000000)));
        EXPECT_EQ(legacy->updated_at, time_point(std::chrono::milliseconds(1600000000500)));
        EXPECT_EQ(legacy->last_connected_at, time_point(std::chrono::milliseconds(1600000001000)));
        EXPECT_EQ(legacy->total_requests, 7);
        EXPECT_EQ(legacy->bytes_in, 8);
        EXPECT_EQ(legacy->bytes_out, 9);
        EXPECT_FALSE(legacy->tcp_port.has_value());
        EXPECT_FALSE(legacy->udp_port.has_value());
    }

    auto t = tunnel("kept");
    t.mode = "tcp";
    t.tcp_port = 18000;
    t.udp_port = 18001;
    db->create_tunnel(t);
    db->create_tunnel(tunnel("plain"));
    tunnel_update off;
    off.enabled = false;
    off.description = "émoji ✓";
    db->update_tunnel("kept", off);
    db->record_connected("kept", time_point(std::chrono::milliseconds(1'700'000'000'321)));
    db->add_counters({{"kept", 3, 40, 500}});
    db->append_request_logs({log("kept", 200, time_point(std::chrono::milliseconds(1'700'000'000'000)))});
    const auto before = db->list_tunnels();
    ASSERT_EQ(before.size(), GetParam().execute ? 3u : 2u);

    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        db->migrate_to(1);
        EXPECT_EQ(db->schema_version(), 1);
        db->migrate_to(2);
        EXPECT_EQ(db->schema_version(), 2);
        auto after = db->list_tunnels();
        ASSERT_EQ(after.size(), before.size());
        for (std::size_t i = 0; i < after.size(); ++i) {
            expect_same_but_ports(after[i], before[i]);
            EXPECT_FALSE(after[i].tcp_port.has_value()) << "the down-migration dropped the ports";
            EXPECT_FALSE(after[i].udp_port.has_value());
        }
        EXPECT_TRUE(db->tunnels_with_ports().empty());
        EXPECT_EQ(db->query_request_logs({}).total, 1) << "the request log is untouched";
    }

    // The unique indexes are back.
    tunnel_update u;
    u.tcp_port = 18000;
    EXPECT_EQ(db->update_tunnel("kept", u)->tcp_port, 18000);
    u.tcp_port = 18000;
    EXPECT_EQ(test::code_of([&] { db->update_tunnel("plain", u); }), conflict());
    u = {};
    u.udp_port = 18001;
    db->update_tunnel("kept", u);
    EXPECT_EQ(test::code_of([&] { db->update_tunnel("plain", u); }), conflict());
}

// A server database from the environment (scripts/with-test-databases.sh sets
// it; `make test` runs the suite through that script). Missing in CI is a
// failure, not a skip.
std::unique_ptr<store> from_env(const char* variable, backend_kind kind) {
    const char* url = std::getenv(variable);
    if (!url) {
        if (std::getenv("CI")) ADD_FAILURE() << variable << " is not set in CI";
        return nullptr;  // SetUp skips
    }
    std::string problem;
    auto parsed = parse_database_url(url, problem);
    if (!parsed || parsed->kind != kind) {
        ADD_FAILURE() << variable << ": " << problem;
        return nullptr;
    }
    return kind == backend_kind::postgresql ? open_postgresql_store(parsed->server) : open_mysql_store(parsed->server);
}

INSTANTIATE_TEST_SUITE_P(
    backends, store_conformance,
    ::testing::Values(
        backend{"sqlite_file",
                [] {
                    sqlite_file_path() = temp_db_path();
                    return open_sqlite_store({sqlite_file_path().string(), 4});
                },
                sqlite_file_execute},
        backend{"sqlite_memory", [] { return open_sqlite_store({":memory:", 1}); }, {}},
        backend{"postgresql", [] { return from_env("TUNELY_TEST_POSTGRESQL_URL", backend_kind::postgresql); },
                server_execute(backend_kind::postgresql)},
        backend{"mariadb", [] { return from_env("TUNELY_TEST_MYSQL_URL", backend_kind::mysql); },
                server_execute(backend_kind::mysql)}),
    [](const auto& info) { return info.param.name; });

TEST(sqlite_store, unwritable_path_is_store_unavailable) {
    try {
        open_sqlite_store({"/proc/forbidden/x.db", 1});
        FAIL() << "expected an error";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), make_error_code(error::store_unavailable));
        EXPECT_NE(std::string(e.what()).find("/proc/forbidden"), std::string::npos);
    }
}

TEST(sqlite_store, refuses_a_schema_newer_than_it_knows) {
    auto path = temp_db_path();
    int latest = 0;
    {
        auto db = open_sqlite_store({path.string(), 1});
        db->migrate_to(db->latest_schema_version());
        latest = db->latest_schema_version();
    }
    // A newer build recorded one more version (written here with the SQLite C API).
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    auto sql = "INSERT INTO tunely_schema_migrations (version, applied_at) VALUES (" + std::to_string(latest + 1) + ", 0)";
    ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);

    auto db = open_sqlite_store({path.string(), 1});
    EXPECT_EQ(db->schema_version(), latest + 1);
    try {
        db->migrate_to(latest);
        FAIL() << "expected schema_too_new";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), make_error_code(error::schema_too_new));
        EXPECT_NE(std::string(e.what()).find(std::to_string(latest + 1)), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace tunely::store
