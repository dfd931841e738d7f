#include <gtest/gtest.h>

#include <random>

#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "tunely/protocol/v2_errors.hpp"

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

// RAW is an OPEN flag of its own: it combines with END_STREAM and BODY, and other frame types ignore it.
TEST(protocol_v2_codec, raw_flag_on_open_only) {
    auto f = sample_open();
    f.raw = true;
    f.method = v2::method_tcp;
    f.target = "/";
    f.end_stream = true;
    f.body = "x";
    auto bytes = v2::encode(f);
    EXPECT_EQ(static_cast<std::uint8_t>(bytes[1]), v2::flag_raw | v2::flag_end_stream | v2::flag_body);
    auto r = v2::decode(bytes);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(std::get<v2::open>(*r), f);

    f.raw = false;
    auto plain = v2::decode(v2::encode(f));
    ASSERT_TRUE(plain.has_value());
    EXPECT_FALSE(std::get<v2::open>(*plain).raw);

    v2::response head{5, true, 200, {}, {}};
    auto head_bytes = v2::encode(head);
    head_bytes[1] = static_cast<char>(head_bytes[1] | v2::flag_raw);
    auto decoded_head = v2::decode(head_bytes);
    ASSERT_TRUE(decoded_head.has_value());
    EXPECT_EQ(std::get<v2::response>(*decoded_head), head);
}

// Boundaries too large for the vector files (spec/PROTOCOL.md §3.4).
TEST(protocol_v2_codec, limits_at_and_past_the_boundary) {
    auto code_of = [](const std::string& bytes) {
        auto r = v2::decode(bytes);
        return r ? std::string("ok") : std::string(error_code_name(static_cast<error>(r.error().value())));
    };
    EXPECT_EQ(code_of(v2::encode(v2::data{1, true, std::string(v2_max_data_payload, 'd')})), "ok");

    v2::response head{1, true, 200, {}, std::string(v2_max_data_payload, 'b')};
    EXPECT_EQ(code_of(v2::encode(head)), "ok");
    auto over = v2::encode(head) + "b";  // one inline byte too many
    EXPECT_EQ(code_of(over), "frame_too_large");

    v2::open open{1, true, 0, "GET", "/" + std::string(99, 't'), {{"x-fill", ""}}};
    open.headers.fields()[0].value = std::string(v2_max_head_bytes - 100 - 6, 'v');  // target + name + value = 65 536
    EXPECT_EQ(code_of(v2::encode(open)), "ok");
    open.headers.fields()[0].value.push_back('v');
    EXPECT_THROW(v2::encode(open), std::length_error);  // the encoder refuses what a peer must reject
    auto bytes = v2::encode(v2::open{1, true, 0, "GET", "/" + std::string(99, 't'), {{"x-fill", "v"}}});
    // Grow the one header value by hand to 65 537 bytes in total and fix its length field.
    std::string value(v2_max_head_bytes - 100 - 6 + 1, 'v');
    bytes.resize(bytes.size() - 1);
    bytes[bytes.size() - 2] = static_cast<char>(value.size() >> 8);
    bytes[bytes.size() - 1] = static_cast<char>(value.size() & 0xff);
    bytes += value;
    EXPECT_EQ(code_of(bytes), "headers_too_large");

    EXPECT_EQ(code_of(std::string(v2_max_frame_size + 1, '\x03')), "frame_too_large");
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
