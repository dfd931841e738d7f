#include <gtest/gtest.h>

#include <random>

#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/protocol/v2_codec.hpp"

namespace tunely::protocol {
namespace {

v2::open sample_open() {
    v2::open f;
    f.id = 7;
    f.timeout_ms = 30000;
    f.method = "POST";
    f.target = "/upload?x=1";
    f.headers = {{"Content-Type", "application/octet-stream"}, {"Set-Cookie", "a=1"},
                 {"Set-Cookie", "b=2"}};
    return f;
}

TEST(protocol_v2_codec, every_truncation_of_a_valid_frame_is_an_error) {
    auto bytes = v2::encode(sample_open());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        auto r = v2::decode(std::string_view(bytes).substr(0, n));
        EXPECT_FALSE(r.has_value()) << "prefix of " << n << " bytes decoded";
    }
    auto full = v2::decode(bytes);
    ASSERT_TRUE(full.has_value());
    EXPECT_EQ(std::get<v2::open>(*full), sample_open());
}

TEST(protocol_v2_codec, random_input_never_throws) {
    std::mt19937 rng(12345);  // fixed seed: deterministic
    std::uniform_int_distribution<int> byte(0, 255), len(0, 300);
    std::size_t decoded = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s(len(rng), '\0');
        for (auto& c : s) c = static_cast<char>(byte(rng));
        if (!s.empty()) s[0] = static_cast<char>(1 + i % 9);  // hit every type and one unknown
        auto r = v2::decode(s);
        decoded += r.has_value();
    }
    EXPECT_GT(decoded, 0u);  // DATA frames with random payload are valid
}

TEST(protocol_v2_codec, data_header_matches_full_encoding) {
    v2::data d{0x01020304, true, "xyz"};
    auto full = v2::encode(d);
    auto header = v2::encode_data_header(d.id, d.end_stream);
    EXPECT_EQ(full.substr(0, 6), std::string(header.data(), header.size()));
    EXPECT_EQ(full.substr(6), "xyz");
}

TEST(protocol_v2_codec, encoder_refuses_oversized_data) {
    v2::data d{1, false, std::string(v2_max_data_payload + 1, 'x')};
    EXPECT_THROW(v2::encode(d), std::length_error);
}

TEST(protocol_v2_codec, binary_data_round_trips) {
    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    auto r = v2::decode(v2::encode(v2::data{3, false, all}));
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(std::get<v2::data>(*r).bytes, all);
}

TEST(protocol_v1_codec, oversized_message_is_rejected_before_parsing) {
    std::string big(v1_max_message_size + 1, ' ');
    auto r = v1::decode(big);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), make_error_code(error::frame_too_large));
}

TEST(protocol_v1_codec, response_always_writes_body_and_error) {
    v1::response m;
    m.id = "a";
    m.status = 204;
    auto text = v1::encode(m);
    EXPECT_NE(text.find("\"body\":null"), std::string::npos) << text;
    EXPECT_NE(text.find("\"error\":null"), std::string::npos) << text;
}

TEST(protocol_v1_codec, random_input_never_throws) {
    std::mt19937 rng(777);
    const std::string alphabet = "{}[]\":,0123456789.-etrufalsn \\ab";
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1), len(0, 80);
    for (int i = 0; i < 20000; ++i) {
        std::string s = "{\"type\":\"request\",";
        auto n = len(rng);
        for (std::size_t k = 0; k < n; ++k) s.push_back(alphabet[pick(rng)]);
        (void)v1::decode(s);  // must not throw or crash
    }
    SUCCEED();
}

}  // namespace
}  // namespace tunely::protocol
