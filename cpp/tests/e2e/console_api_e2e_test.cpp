// The console's admin endpoints (/api/requests, /api/stats) and the console
// files at /admin/, on the real binaries.
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "test_target.hpp"
#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

http_result through(const tunely_server_process& server, const std::string& method, const std::string& target) {
    http_call c;
    c.method = method;
    c.target = target;
    if (method == "POST") c.body = R"({"secret":"x"})";
    c.headers = {{"authorization", "Bearer must-not-be-stored"}, {"content-type", "application/json"}};
    return http_request(server.port(), c);
}

// The request log is written in batches off the data path: poll until `n` rows show.
json::value wait_for_logs(const tunely_server_process& server, const std::string& query, std::int64_t n) {
    json::value v;
    for (int i = 0; i < 150; ++i) {
        auto r = server.admin("GET", "/api/requests" + query);
        EXPECT_EQ(r.status, 200u) << r.body;
        v = json::parse(r.body);
        if (v.at("total").as_int64() >= n) return v;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return v;
}

TEST(console_api_e2e, request_history_filters_and_dashboard_numbers) {
    test_target target;
    tunely_server_process server;
    auto alpha = server.create_tunnel("alpha");
    auto beta = server.create_tunnel("beta");
    server.admin("POST", "/api/tunnels", R"({"domain":"idle"})");
    server.admin("PUT", "/api/tunnels/idle", R"({"enabled":false})");
    auto a = start_client(server, alpha, target.url());
    auto b = start_client(server, beta, target.url());
    ASSERT_TRUE(server.wait_connected("alpha"));
    ASSERT_TRUE(server.wait_connected("beta"));

    EXPECT_EQ(through(server, "GET", "/t/alpha/echo/one?x=1").status, 200u);
    EXPECT_EQ(through(server, "POST", "/t/alpha/echo/two").status, 200u);
    EXPECT_EQ(through(server, "GET", "/t/alpha/status/404").status, 404u);
    EXPECT_EQ(through(server, "GET", "/t/beta/status/503").status, 503u);
    EXPECT_EQ(through(server, "GET", "/t/beta/echo/three").status, 200u);

    auto all = wait_for_logs(server, "", 5);
    ASSERT_EQ(all.at("total").as_int64(), 5) << all;
    auto& newest = all.at("logs").as_array().front();
    EXPECT_EQ(newest.at("tunnel_domain").as_string(), "beta");
    EXPECT_EQ(newest.at("path").as_string(), "/echo/three");

    auto count = [&](const std::string& q) { return wait_for_logs(server, q, 0).at("total").as_int64(); };
    EXPECT_EQ(count("?domain=alpha"), 3);
    EXPECT_EQ(count("?status=2xx"), 3);
    EXPECT_EQ(count("?status=4xx"), 1);
    EXPECT_EQ(count("?status=error"), 1);
    EXPECT_EQ(count("?domain=beta&status=5xx"), 1);
    EXPECT_EQ(count("?method=post"), 1);
    EXPECT_EQ(count("?q=echo%2Ft"), 2);  // /echo/two, /echo/three
    EXPECT_EQ(count("?to=2000-01-01T00:00:00Z"), 0);
    EXPECT_EQ(count("?from=2000-01-01T00:00:00Z"), 5);

    auto page = wait_for_logs(server, "?limit=2&offset=1", 0);
    EXPECT_EQ(page.at("total").as_int64(), 5);
    ASSERT_EQ(page.at("logs").as_array().size(), 2u);
    EXPECT_EQ(page.at("logs").as_array()[0].at("path").as_string(), "/status/503");

    auto post = wait_for_logs(server, "?method=POST", 1).at("logs").as_array().front();
    EXPECT_EQ(post.at("request_headers").at("authorization").as_string(), "[REDACTED]");
    EXPECT_EQ(post.at("request_body").as_string(), R"({"secret":"x"})");

    EXPECT_EQ(server.admin("GET", "/api/requests?status=6xx").status, 400u);
    EXPECT_EQ(server.admin("GET", "/api/requests?from=yesterday").status, 400u);
    EXPECT_EQ(server.admin("GET", "/api/requests?limit=x").status, 400u);
    EXPECT_EQ(server.admin("GET", "/api/requests?domain=-bad").status, 400u);

    auto stats_r = server.admin("GET", "/api/stats?minutes=60");
    ASSERT_EQ(stats_r.status, 200u) << stats_r.body;
    auto stats = json::parse(stats_r.body);
    EXPECT_EQ(stats.at("tunnels_total").as_int64(), 3);
    EXPECT_EQ(stats.at("tunnels_online").as_int64(), 2);
    EXPECT_EQ(stats.at("tunnels_disabled").as_int64(), 1);
    EXPECT_EQ(stats.at("requests").as_int64(), 5);
    EXPECT_EQ(stats.at("errors").as_int64(), 1);
    EXPECT_DOUBLE_EQ(stats.at("error_rate").as_double(), 0.2);
    EXPECT_GT(stats.at("bytes_out").as_int64(), 0);
    ASSERT_EQ(stats.at("series").as_array().size(), 60u);
    std::int64_t in_series = 0;
    for (auto& b : stats.at("series").as_array()) in_series += b.at("requests").as_int64();
    EXPECT_EQ(in_series, 5);
    ASSERT_EQ(stats.at("recent_failures").as_array().size(), 1u);
    EXPECT_EQ(stats.at("recent_failures").as_array()[0].at("status_code").as_int64(), 503);
    EXPECT_EQ(server.admin("GET", "/api/stats?minutes=0").status, 400u);

    http_call anonymous;
    anonymous.target = "/api/stats";
    EXPECT_EQ(http_request(server.port(), anonymous).status, 401u);
    anonymous.target = "/api/requests";
    EXPECT_EQ(http_request(server.port(), anonymous).status, 401u);
}

TEST(console_api_e2e, serves_the_console_build_with_cache_headers_and_fallback) {
    temp_dir dist;
    std::filesystem::create_directories(dist.path / "assets");
    std::ofstream(dist.path / "index.html") << "<!doctype html><div id=root></div>";
    std::ofstream(dist.path / "assets" / "index-abc123.js") << "console.log(1)";
    tunely_server_process server({"--console-dir", dist.path.string()});

    auto get = [&](const std::string& target, const std::string& method = "GET") {
        http_call c;
        c.method = method;
        c.target = target;
        return http_request(server.port(), c);
    };
    auto index = get("/admin/");
    ASSERT_EQ(index.status, 200u);
    EXPECT_EQ(index.body, "<!doctype html><div id=root></div>");
    EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(index.header("cache-control"), "no-cache");
    EXPECT_NE(index.header("content-security-policy").find("frame-ancestors 'none'"), std::string::npos);

    auto asset = get("/admin/assets/index-abc123.js");
    ASSERT_EQ(asset.status, 200u);
    EXPECT_EQ(asset.body, "console.log(1)");
    EXPECT_EQ(asset.header("content-type"), "text/javascript; charset=utf-8");
    EXPECT_EQ(asset.header("cache-control"), "public, max-age=31536000, immutable");

    auto route = get("/admin/tunnels/some-domain?tab=logs");
    EXPECT_EQ(route.status, 200u) << "client-side routes fall back to the app";
    EXPECT_EQ(route.body, index.body);
    EXPECT_EQ(get("/admin/assets/missing.js").status, 404u);
    EXPECT_EQ(get("/admin/../etc/passwd").body.find("root:"), std::string::npos);
    EXPECT_EQ(get("/admin/%2e%2e/%2e%2e/etc/passwd").body.find("root:"), std::string::npos);

    auto redirect = get("/admin");
    EXPECT_EQ(redirect.status, 308u);
    EXPECT_EQ(redirect.header("location"), "/admin/");
    auto head = get("/admin/", "HEAD");
    EXPECT_EQ(head.status, 200u);
    EXPECT_TRUE(head.body.empty());
    EXPECT_EQ(get("/admin/", "POST").status, 405u);
}

TEST(console_api_e2e, without_a_build_admin_is_a_clear_404_and_a_bad_flag_fails_at_start) {
    temp_dir empty;
    child_process bad(tunely_binary(), {"server", "--port", "0", "--admin-key", test_admin_key, "--database",
                                        "sqlite:///" + (empty.path / "t.db").string(), "--console-dir",
                                        (empty.path / "nothing").string()});
    auto code = bad.wait_exit(std::chrono::seconds(15));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 2);
    EXPECT_NE(bad.output().find("--console-dir: no index.html"), std::string::npos) << bad.output();

    // Without --console-dir the server looks for admin-console/dist (working directory, then the source tree
    // beside the build): either it found a real build, or /admin/ says how to get one.
    tunely_server_process server;
    http_call c;
    c.target = "/admin/";
    auto r = http_request(server.port(), c);
    if (r.status == 200u) {
        EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
        EXPECT_NE(r.body.find("<div id=\"root\">"), std::string::npos) << r.body;
    } else {
        EXPECT_EQ(r.status, 404u);
        EXPECT_NE(r.body.find("not built"), std::string::npos) << r.body;
    }
}

}  // namespace
}  // namespace tunely::test
