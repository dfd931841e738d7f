// A write is never repeated once its statements may have reached the server: a
// COMMIT whose acknowledgement is lost (the relay cuts the connection right after
// delivering it) is applied once, and the caller hears store_unavailable. Reads
// are repeated on a fresh connection, and a write after the connection died in
// between (a database restart) still succeeds: the leased connection is pinged
// before the first statement.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "cutting_proxy.hpp"
#include "server_databases.hpp"
#include "tunely/core/error.hpp"

namespace tunely::store {
namespace {

using test::code_of;

// Polls `value` until it reaches at least `at_least` or 10 s passed; returns the last value.
// The server applies a COMMIT it received even though its client is gone, a moment later.
std::int64_t settled(const std::function<std::int64_t()>& value, std::int64_t at_least) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    auto v = value();
    while (v < at_least && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition under a deadline
        v = value();
    }
    return v;
}

class retry_policy_test : public ::testing::TestWithParam<backend_kind> {
protected:
    void SetUp() override {
        auto o = test::server_from_env(GetParam());
        if (!o) {
            if (std::getenv("CI")) FAIL() << "the test database servers are not configured in CI";
            GTEST_SKIP() << "run through scripts/with-test-databases.sh (make test does)";
        }
        proxy = std::make_unique<test::cutting_proxy>(o->host, o->port);
        o->host = "127.0.0.1";
        o->port = proxy->port();
        o->pool_size = 1;  // every call on the one connection the relay cuts
        db = test::open_server(GetParam(), *o);
        db->migrate_to(0);  // the server databases are shared: start empty
        db->migrate_to(db->latest_schema_version());
        new_tunnel t;
        t.domain = "live";
        t.token_hash = std::string(64, 'l');
        db->create_tunnel(t);
    }

    request_log_record log() const {
        request_log_record r;
        r.timestamp = std::chrono::system_clock::now();
        r.tunnel_domain = "live";
        r.method = "GET";
        r.path = "/once";
        r.request_headers = "{}";
        r.response_headers = "{}";
        r.status_code = 200;
        return r;
    }

    std::unique_ptr<test::cutting_proxy> proxy;
    std::unique_ptr<store> db;
};

TEST_P(retry_policy_test, a_request_log_batch_whose_commit_answer_was_lost_is_written_once) {
    proxy->cut_after("COMMIT");
    EXPECT_EQ(code_of([&] { db->append_request_logs({log()}); }), make_error_code(error::store_unavailable));
    ASSERT_EQ(proxy->cuts(), 1);
    EXPECT_EQ(settled([&] { return db->query_request_logs({}).total; }, 1), 1) << "written twice: a blind retry";
}

TEST_P(retry_policy_test, counters_whose_commit_answer_was_lost_are_added_once) {
    proxy->cut_after("COMMIT");
    EXPECT_EQ(code_of([&] { db->add_counters({{"live", 1, 10, 20}}); }), make_error_code(error::store_unavailable));
    ASSERT_EQ(proxy->cuts(), 1);
    EXPECT_EQ(settled([&] { return db->find_tunnel("live")->total_requests; }, 1), 1) << "added twice";
    EXPECT_EQ(db->find_tunnel("live")->bytes_in, 10);
}

TEST_P(retry_policy_test, a_read_is_repeated_on_a_fresh_connection) {
    proxy->cut_after("SELECT");
    auto found = db->find_tunnel("live");
    EXPECT_EQ(proxy->cuts(), 1);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->domain, "live");
}

TEST_P(retry_policy_test, a_write_after_the_connection_died_in_between_succeeds) {
    proxy->drop_all();  // as a database restart looks to an idle pool
    new_tunnel t;
    t.domain = "after-restart";
    t.token_hash = std::string(64, 'r');
    EXPECT_EQ(db->create_tunnel(t).domain, "after-restart");
    EXPECT_EQ(db->list_tunnels().size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(servers, retry_policy_test,
                         ::testing::Values(backend_kind::postgresql, backend_kind::mysql),
                         [](const auto& info) {
                             return info.param == backend_kind::postgresql ? "postgresql" : "mariadb";
                         });

}  // namespace
}  // namespace tunely::store
