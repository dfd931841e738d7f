#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "tunely/core/domain_name.hpp"
#include "tunely/core/error.hpp"
#include "tunely/core/header_list.hpp"
#include "tunely/core/http_status.hpp"
#include "tunely/core/secret.hpp"
#include "tunely/core/token.hpp"
#include "tunely/core/utf8.hpp"

namespace tunely {
namespace {

TEST(token, has_the_documented_shape_and_is_unique) {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        auto t = generate_tunnel_token();
        EXPECT_TRUE(looks_like_token(t)) << t;
        EXPECT_EQ(t.size(), 47u);
        EXPECT_TRUE(seen.insert(t).second);
    }
    EXPECT_FALSE(looks_like_token("tun_short"));
    EXPECT_FALSE(looks_like_token("xyz_" + std::string(43, 'a')));
    EXPECT_EQ(generate_secret_key().size(), 43u);
}

TEST(token, hash_is_stable_sha256_hex) {
    // SHA-256("abc") from FIPS 180-2.
    EXPECT_EQ(hash_token("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_NE(hash_token("tun_a"), hash_token("tun_b"));
}

TEST(token, constant_time_equals_compares_content) {
    EXPECT_TRUE(constant_time_equals("key-123", "key-123"));
    EXPECT_FALSE(constant_time_equals("key-123", "key-124"));
    EXPECT_FALSE(constant_time_equals("key", "key-123"));
    EXPECT_TRUE(constant_time_equals("", ""));
}

TEST(domain_name, follows_the_original_rule) {
    EXPECT_TRUE(is_valid_domain("my-agent"));
    EXPECT_TRUE(is_valid_domain("A1"));
    EXPECT_TRUE(is_valid_domain(std::string(63, 'a')));
    EXPECT_FALSE(is_valid_domain(std::string(64, 'a')));
    EXPECT_FALSE(is_valid_domain("-lead"));
    EXPECT_FALSE(is_valid_domain(""));
    EXPECT_FALSE(is_valid_domain("a.b"));
    EXPECT_FALSE(is_valid_domain("a_b"));
    EXPECT_EQ(normalize_domain("My-Agent").value(), "my-agent");
    EXPECT_FALSE(normalize_domain("bad domain").has_value());
}

TEST(header_list, keeps_order_and_repeats) {
    header_list h{{"Set-Cookie", "a=1"}, {"X", "1"}, {"set-cookie", "b=2"}};
    EXPECT_EQ(*h.find("SET-COOKIE"), "a=1");
    EXPECT_EQ(h.erase("set-cookie"), 2u);
    EXPECT_EQ(h.size(), 1u);
    h.set("x", "2");
    EXPECT_EQ(*h.find("X"), "2");
    EXPECT_EQ(h.size(), 1u);
}

TEST(header_list, removes_hop_by_hop_and_connection_listed_fields) {
    header_list h{{"Connection", "keep-alive, X-Private"}, {"Keep-Alive", "timeout=5"},
                  {"Transfer-Encoding", "chunked"}, {"X-Private", "1"}, {"Content-Type", "a/b"},
                  {"Upgrade", "websocket"}, {"TE", "trailers"}};
    remove_hop_by_hop(h);
    ASSERT_EQ(h.size(), 1u);
    EXPECT_EQ(h.fields()[0].name, "Content-Type");
}

TEST(header_list, finds_an_upgrade_and_keeps_only_its_hop_fields) {
    header_list ws{{"Host", "x"}, {"Connection", "keep-alive, Upgrade"}, {"Upgrade", "websocket"},
                   {"Sec-WebSocket-Key", "k"}, {"Keep-Alive", "timeout=5"}};
    EXPECT_EQ(upgrade_protocol(ws), "websocket");
    keep_only_upgrade_hop_fields(ws, upgrade_protocol(ws));
    EXPECT_EQ(ws, (header_list{{"Host", "x"}, {"Sec-WebSocket-Key", "k"}, {"Connection", "Upgrade"},
                               {"Upgrade", "websocket"}}));
    header_list not_listed{{"Connection", "keep-alive"}, {"Upgrade", "websocket"}};
    EXPECT_EQ(upgrade_protocol(not_listed), "") << "Upgrade without Connection: upgrade is no upgrade";
    keep_only_upgrade_hop_fields(not_listed, "");
    EXPECT_TRUE(not_listed.empty());
    EXPECT_EQ(upgrade_protocol(header_list{{"Connection", "UPGRADE"}}), "") << "no Upgrade field";
}

TEST(utf8, validates_strictly) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("日本語 🚀"));
    EXPECT_FALSE(is_valid_utf8("\xff"));
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
    EXPECT_FALSE(is_valid_utf8("\xe6\x97"));          // truncated
    EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
}

TEST(utf8, long_ascii_runs_are_checked_to_the_last_byte) {
    // ASCII is taken eight bytes at a time: a bad byte anywhere, before, inside or after a word, is found.
    for (std::size_t len : {1u, 7u, 8u, 9u, 16u, 17u, 31u}) {
        for (std::size_t at = 0; at < len; ++at) {
            std::string text(len, 'a');
            text[at] = '\xff';
            EXPECT_FALSE(is_valid_utf8(text)) << "length " << len << ", bad byte at " << at;
            std::string ok = std::string(len, 'a') + "\xc3\xa9" + std::string(len, 'b');
            EXPECT_TRUE(is_valid_utf8(ok)) << len;
            std::string cut = std::string(len, 'a') + "\xc3";
            EXPECT_FALSE(is_valid_utf8(cut)) << "truncated after " << len << " ASCII bytes";
        }
    }
}

TEST(error, every_code_has_a_name_message_and_status) {
    for (int i = 0; i <= static_cast<int>(error::shutting_down); ++i) {
        auto e = static_cast<error>(i);
        EXPECT_NE(error_code_name(e), "unknown");
        EXPECT_FALSE(make_error_code(e).message().empty());
        EXPECT_GE(http_status(e), 200u);
    }
    EXPECT_EQ(http_status(error::tunnel_not_connected), 503u);
    EXPECT_EQ(http_status(error::tunnel_disconnected), 502u);
    EXPECT_EQ(http_status(error::request_timeout), 504u);
    EXPECT_EQ(http_status(error::headers_too_large), 431u);
}

TEST(secret, never_prints_its_value) {
    std::ostringstream os;
    os << secret("hunter2");
    EXPECT_EQ(os.str(), "***");
}

}  // namespace
}  // namespace tunely
