// One conformance suite for every store backend: each test runs against every
// factory registered at the bottom (SQLite file and in-memory now; PostgreSQL
// and MariaDB join with one line each).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <random>
#include <thread>
#include <atomic>

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
};

void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

std::filesystem::path temp_db_path() {
    std::random_device rd;
    auto dir = std::filesystem::temp_directory_path() / ("tunely-store-" + std::to_string(rd()));
    return dir / "nested" / "tunnels.db";
}

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
        backend{"sqlite_file", [] { return open_sqlite_store({temp_db_path().string(), 4}); }},
        backend{"sqlite_memory", [] { return open_sqlite_store({":memory:", 1}); }},
        backend{"postgresql", [] { return from_env("TUNELY_TEST_POSTGRESQL_URL", backend_kind::postgresql); }},
        backend{"mariadb", [] { return from_env("TUNELY_TEST_MYSQL_URL", backend_kind::mysql); }}),
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
