// The request-log writer off the data path: submit() never waits, overflow is
// dropped and counted, secrets are redacted, bodies capped, batches reach the
// store, counters are aggregated.
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tunely/server/request_log_writer.hpp"
#include "tunely/store/sqlite_store.hpp"

namespace tunely::server {
namespace {

exchange_record record(const std::string& domain, int i) {
    exchange_record r;
    r.domain = domain;
    r.method = "POST";
    r.target = "/item/" + std::to_string(i);
    r.request_headers = {{"Authorization", "Bearer secret"}, {"Cookie", "sid=1"}, {"X-Api-Key", "k"},
                         {"Accept", "*/*"}, {"Proxy-Authorization", "Basic x"}, {"X-Tunnel-Token", "tun_x"}};
    r.response_headers = {{"Set-Cookie", "a=1"}, {"Content-Type", "text/plain"}};
    r.request_body_start = std::string(5000, 'b');
    r.response_body_start = "日本語";
    r.status = 201;
    r.bytes_in = 5000;
    r.bytes_out = 9;
    return r;
}

TEST(request_log_writer, redacts_secret_headers) {
    auto json = boost::json::parse(redacted_headers_json(record("d", 0).request_headers)).as_object();
    for (auto name : {"authorization", "cookie", "x-api-key", "proxy-authorization", "x-tunnel-token"})
        EXPECT_EQ(json.at(name).as_string(), "[REDACTED]") << name;
    EXPECT_EQ(json.at("accept").as_string(), "*/*");
    EXPECT_TRUE(is_secret_header("Set-Cookie"));
}

TEST(request_log_writer, overflow_is_dropped_and_counted_without_waiting) {
    boost::asio::io_context ioc;
    auto db = std::shared_ptr<store::store>(store::open_sqlite_store({":memory:", 1}));
    db->migrate_to(db->latest_schema_version());
    db->create_tunnel({"d", std::string(64, 'a'), "d", ""});
    store_executor pool(db, 1);
    log_writer_options o;
    o.max_queue = 10;
    auto writer = std::make_shared<request_log_writer>(ioc.get_executor(), pool, o);
    for (int i = 0; i < 25; ++i) writer->submit(record("d", i));  // returns at once: nothing runs yet
    EXPECT_EQ(writer->dropped(), 15u);

    writer->start();
    asio::co_spawn(ioc, writer->stop(), asio::detached);  // flushes what is queued, then ends
    ioc.run();
    EXPECT_EQ(writer->written(), 10u);

    store::log_query q;
    q.limit = 100;
    auto page = db->query_request_logs(q);
    ASSERT_EQ(page.total, 10);
    const auto& l = page.logs.front();
    EXPECT_EQ(l.request_body.size(), 4096u) << "bodies capped at 4 KiB";
    EXPECT_EQ(l.response_body, "日本語");
    EXPECT_EQ(l.status_code, 201);
    EXPECT_EQ(l.request_headers.find("Bearer secret"), std::string::npos);
    EXPECT_EQ(l.response_headers.find("a=1"), std::string::npos);
    // Counters count every exchange, dropped log records included.
    auto t = db->find_tunnel("d");
    EXPECT_EQ(t->total_requests, 25);
    EXPECT_EQ(t->bytes_in, 25 * 5000);
}

}  // namespace
}  // namespace tunely::server
