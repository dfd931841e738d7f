// The admin API with the original's paths and shapes, on the real binary.
#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tunely_stack.hpp"

namespace tunely::test {
namespace {
namespace json = boost::json;

TEST(admin_api_e2e, tunnel_lifecycle) {
    tunely_server_process server;
    auto created = server.admin("POST", "/api/tunnels", R"({"domain":"My-Agent","name":"Agent","description":"d"})");
    ASSERT_EQ(created.status, 200u) << created.body;
    auto t = json::parse(created.body);
    EXPECT_EQ(t.at("domain").as_string(), "my-agent");
    EXPECT_EQ(t.at("name").as_string(), "Agent");
    auto token = std::string(t.at("token").as_string());
    EXPECT_EQ(token.size(), 47u);
    EXPECT_EQ(token.substr(0, 4), "tun_");

    auto dup = server.admin("POST", "/api/tunnels", R"({"domain":"my-agent"})");
    EXPECT_EQ(dup.status, 409u);
    EXPECT_EQ(json::parse(dup.body).at("detail").as_string(), "Domain already exists");
    EXPECT_EQ(server.admin("POST", "/api/tunnels", R"({"domain":"-bad"})").status, 400u);
    EXPECT_EQ(server.admin("POST", "/api/tunnels", R"({"domain":"api"})").status, 400u);
    EXPECT_EQ(server.admin("POST", "/api/tunnels", "not json").status, 400u);

    auto list = json::parse(server.admin("GET", "/api/tunnels").body).as_array();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_TRUE(list[0].at("token").is_null());
    EXPECT_FALSE(list[0].at("connected").as_bool());

    auto updated = server.admin("PUT", "/api/tunnels/my-agent", R"({"name":"Renamed","enabled":false})");
    ASSERT_EQ(updated.status, 200u) << updated.body;
    EXPECT_EQ(json::parse(updated.body).at("name").as_string(), "Renamed");
    EXPECT_FALSE(json::parse(updated.body).at("enabled").as_bool());

    auto avail = json::parse(server.admin("GET", "/api/tunnels/check-availability?name=my-agent").body);
    EXPECT_FALSE(avail.at("available").as_bool());
    EXPECT_EQ(avail.at("reason").as_string(), "taken");
    avail = json::parse(server.admin("GET", "/api/tunnels/check-availability?name=free-one").body);
    EXPECT_TRUE(avail.at("available").as_bool());

    auto rotated = server.admin("POST", "/api/tunnels/my-agent/regenerate-token");
    ASSERT_EQ(rotated.status, 200u);
    EXPECT_NE(json::parse(rotated.body).at("token").as_string(), token);

    auto logs = json::parse(server.admin("GET", "/api/tunnels/my-agent/logs").body);
    EXPECT_EQ(logs.at("total").as_int64(), 0);

    EXPECT_EQ(server.admin("DELETE", "/api/tunnels/my-agent").status, 200u);
    EXPECT_EQ(server.admin("GET", "/api/tunnels/my-agent").status, 404u);
    EXPECT_EQ(server.admin("DELETE", "/api/tunnels/my-agent").status, 404u);
}

TEST(admin_api_e2e, requires_the_admin_key) {
    tunely_server_process server;
    http_call c;
    c.target = "/api/tunnels";
    EXPECT_EQ(http_request(server.port(), c).status, 401u);
    c.headers = {{"x-api-key", "wrong"}};
    EXPECT_EQ(http_request(server.port(), c).status, 401u);
    c.headers = {{"Authorization", std::string("Bearer ") + test_admin_key}};
    EXPECT_EQ(http_request(server.port(), c).status, 200u);
    c.target = "/health";
    c.headers.clear();
    auto health = http_request(server.port(), c);
    EXPECT_EQ(health.status, 200u);
    EXPECT_EQ(json::parse(health.body).at("status").as_string(), "healthy");
    c.target = "/api/info";
    EXPECT_EQ(http_request(server.port(), c).status, 200u);
}

TEST(admin_api_e2e, tunnel_may_delete_itself_with_its_token) {
    tunely_server_process server;
    auto token = server.create_tunnel("selfdel");
    http_call c;
    c.method = "DELETE";
    c.target = "/api/tunnels/selfdel";
    c.headers = {{"x-tunnel-token", "tun_wrong"}};
    EXPECT_EQ(http_request(server.port(), c).status, 401u);
    c.headers = {{"x-tunnel-token", token}};
    EXPECT_EQ(http_request(server.port(), c).status, 200u);
}

TEST(admin_api_e2e, generates_and_keeps_an_admin_key_at_first_start) {
    temp_dir dir;
    auto db = "sqlite:///" + (dir.path / "data" / "tunnels.db").string();
    std::string key;
    {
        child_process p(tunely_binary(), {"server", "--host", "127.0.0.1", "--port", "0", "--database", db});
        auto k = p.wait_for(R"(admin API key[^\n]*\n +([A-Za-z0-9_-]{43}))", std::chrono::seconds(20));
        ASSERT_TRUE(k.has_value()) << p.output();
        key = *k;
        ASSERT_TRUE(p.wait_for("listening on", std::chrono::seconds(20)).has_value());
    }
    struct stat st {};
    ASSERT_EQ(::stat((dir.path / "data" / "admin.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600);
    child_process again(tunely_binary(), {"server", "--host", "127.0.0.1", "--port", "0", "--database", db});
    auto port = again.wait_for(R"(listening on http://[0-9.]+:([0-9]+))", std::chrono::seconds(20));
    ASSERT_TRUE(port.has_value()) << again.output();
    EXPECT_EQ(again.output().find(key), std::string::npos) << "the key is printed only at first start";
    http_call c;
    c.target = "/api/tunnels";
    c.headers = {{"x-api-key", key}};
    EXPECT_EQ(http_request(static_cast<std::uint16_t>(std::stoi(*port)), c).status, 200u);
}

TEST(admin_api_e2e, cli_tunnel_commands_talk_to_the_api) {
    tunely_server_process server;
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.end(), {"--server", server.http_url(), "--admin-key", test_admin_key});
        child_process p(tunely_binary(), args);
        auto code = p.wait_exit(std::chrono::seconds(20));
        return std::make_pair(code.value_or(-1), p.output());
    };
    auto [c1, out1] = run({"tunnel", "create", "cli-made"});
    EXPECT_EQ(c1, 0) << out1;
    EXPECT_NE(out1.find("tun_"), std::string::npos);
    EXPECT_NE(out1.find("tunely connect --server"), std::string::npos);
    auto [c2, out2] = run({"tunnel", "list"});
    EXPECT_EQ(c2, 0) << out2;
    EXPECT_NE(out2.find("cli-made"), std::string::npos);
    auto [c3, out3] = run({"tunnel", "delete", "cli-made", "--yes"});
    EXPECT_EQ(c3, 0) << out3;
    auto [c4, out4] = run({"tunnel", "delete", "cli-made", "-y"});
    EXPECT_EQ(c4, 1);
    EXPECT_NE(out4.find("Tunnel not found"), std::string::npos) << out4;
}

TEST(admin_api_e2e, forward_envelope) {
    tunely_server_process server;
    auto token = server.create_tunnel("fwd");
    auto r = server.admin("POST", "/api/tunnels/fwd/forward", R"({"method":"GET","path":"/x"})");
    EXPECT_EQ(r.status, 503u) << r.body;
    EXPECT_NE(r.body.find("Tunnel not connected"), std::string::npos);
}

}  // namespace
}  // namespace tunely::test

namespace tunely::test {
namespace {

http_result get_root(const tunely_server_process& server) {
    http_call c;
    c.target = "/";
    return http_request(server.port(), c);
}

// GET / answers as the original does ("OK", text/plain: load balancers' health checks ask for /), or the
// operator's page.
TEST(admin_api_e2e, the_root_answers_ok_or_the_configured_page) {
    tunely_server_process plain;
    auto ok = get_root(plain);
    EXPECT_EQ(ok.status, 200u);
    EXPECT_EQ(ok.body, "OK");
    EXPECT_EQ(ok.header("content-type"), "text/plain; charset=utf-8");

    temp_dir dir;
    const auto page_file = (dir.path / "index.html").string();
    std::ofstream(page_file) << "<h1>tunnels.example.com</h1>\n";
    tunely_server_process with_page({"--root-response-file", page_file});
    auto page = get_root(with_page);
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(page.body, "<h1>tunnels.example.com</h1>\n");
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");

    child_process missing(tunely_binary(), {"server", "--port", "0", "--database", "sqlite://:memory:",
                                            "--admin-key", test_admin_key, "--root-response-file",
                                            (dir.path / "nope.html").string()});
    EXPECT_EQ(missing.wait_exit(std::chrono::seconds(10)), 2);
    EXPECT_NE(missing.output().find("--root-response-file"), std::string::npos) << missing.output();
}

}  // namespace
}  // namespace tunely::test
