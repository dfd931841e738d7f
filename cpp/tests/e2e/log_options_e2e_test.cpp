// --log-level takes only level names (spdlog reads an unknown one as "off": `verbose` silenced everything), and
// every log line starts with an ISO 8601 time carrying its UTC offset.
#include <gtest/gtest.h>

#include <regex>

#include "tunely_stack.hpp"

namespace tunely::test {
namespace {

TEST(log_options_e2e, an_unknown_level_is_refused_by_server_and_client) {
    child_process server(tunely_binary(), {"server", "--port", "0", "--database", "sqlite://:memory:", "--admin-key",
                                           test_admin_key, "--log-level", "verbose"});
    EXPECT_NE(server.wait_exit(std::chrono::seconds(10)), 0);
    EXPECT_NE(server.output().find("--log-level: verbose not in"), std::string::npos) << server.output();
    child_process client(tunely_binary(), {"connect", "--server", "ws://127.0.0.1:9/ws/tunnel", "--token", "t",
                                           "--target", "http://127.0.0.1:9", "--log-level", "loud"});
    EXPECT_NE(client.wait_exit(std::chrono::seconds(10)), 0);
    EXPECT_NE(client.output().find("--log-level: loud not in"), std::string::npos) << client.output();
}

TEST(log_options_e2e, log_lines_carry_an_iso_8601_time_with_its_offset) {
    child_process server(tunely_binary(), {"server", "--port", "0", "--database", "sqlite://:memory:", "--admin-key",
                                           test_admin_key, "--log-level", "INFO"});  // names are case-insensitive
    auto line = server.wait_for("([^\\n]*\\[info\\] database schema migrated[^\\n]*)", std::chrono::seconds(10));
    ASSERT_TRUE(line.has_value()) << server.output();
    EXPECT_TRUE(std::regex_search(*line, std::regex(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d \[info\] )")))
        << *line;
}

}  // namespace
}  // namespace tunely::test
