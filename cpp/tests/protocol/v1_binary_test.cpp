// The original 0.12's binary tcp_data / udp_data messages (shared/compat/tunely-0.12.md §2.5) and the UUID
// text <-> bytes helpers they rely on.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "tunely/core/uuid.hpp"
#include "tunely/protocol/v1_binary.hpp"

namespace tunely::protocol::v1 {
namespace {

using namespace std::string_literals;

constexpr const char* example_id = "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10";
// 02 01 | 0b6e2f0e8f5b4c8e9a513d2f1c7e9a10 | 6869
const std::string example_message =
    "\x02\x01\x0b\x6e\x2f\x0e\x8f\x5b\x4c\x8e\x9a\x51\x3d\x2f\x1c\x7e\x9a\x10hi"s;

TEST(protocol_v1_binary, encodes_the_documented_example) {
    EXPECT_EQ(encode_binary(binary_kind::tcp_data, example_id, "hi"), example_message);
}

TEST(protocol_v1_binary, decodes_the_documented_example) {
    auto m = decode_binary(example_message);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->kind, binary_kind::tcp_data);
    EXPECT_EQ(m->id, example_id);
    EXPECT_EQ(m->payload, "hi");
}

TEST(protocol_v1_binary, udp_kind_and_upper_case_id) {
    auto bytes = encode_binary(binary_kind::udp_data, "0B6E2F0E-8F5B-4C8E-9A51-3D2F1C7E9A10", "hi");
    auto expected = example_message;
    expected[1] = '\x03';
    EXPECT_EQ(bytes, expected);
    auto m = decode_binary(bytes);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->kind, binary_kind::udp_data);
    EXPECT_EQ(m->id, example_id);  // always lower case once decoded
}

TEST(protocol_v1_binary, empty_and_binary_payloads_round_trip) {
    auto empty = encode_binary(binary_kind::udp_data, example_id, "");
    EXPECT_EQ(empty.size(), 18u);
    auto m = decode_binary(empty);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(*m, (binary_data{binary_kind::udp_data, example_id, ""}));

    std::string all;
    for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
    auto back = decode_binary(encode_binary(binary_kind::tcp_data, example_id, all));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->payload, all);
}

TEST(protocol_v1_binary, drops_short_messages) {
    for (std::size_t n = 0; n < 18; ++n)
        EXPECT_FALSE(decode_binary(std::string_view(example_message).substr(0, n)).has_value()) << n << " bytes";
    EXPECT_TRUE(decode_binary(std::string_view(example_message).substr(0, 18)).has_value());
}

TEST(protocol_v1_binary, drops_other_versions) {
    for (int v : {0x00, 0x01, 0x03, 0x7b, 0xff}) {
        auto bytes = example_message;
        bytes[0] = static_cast<char>(v);
        EXPECT_FALSE(decode_binary(bytes).has_value()) << "version " << v;
    }
}

TEST(protocol_v1_binary, drops_other_kinds) {
    for (int k = 0; k < 256; ++k) {
        auto bytes = example_message;
        bytes[1] = static_cast<char>(k);
        EXPECT_EQ(decode_binary(bytes).has_value(), k == 0x01 || k == 0x03) << "kind " << k;
    }
}

TEST(protocol_v1_binary, encoder_refuses_ids_that_are_not_uuids) {
    EXPECT_THROW(encode_binary(binary_kind::tcp_data, "c1", "x"), std::invalid_argument);
    EXPECT_THROW(encode_binary(binary_kind::tcp_data, "", "x"), std::invalid_argument);
    EXPECT_THROW(encode_binary(binary_kind::tcp_data, "0b6e2f0e8f5b4c8e9a513d2f1c7e9a10", "x"),
                 std::invalid_argument);
}

}  // namespace
}  // namespace tunely::protocol::v1

namespace tunely {
namespace {

TEST(core_uuid, parses_canonical_text_in_either_case) {
    uuid_bytes expected{0x0b, 0x6e, 0x2f, 0x0e, 0x8f, 0x5b, 0x4c, 0x8e,
                        0x9a, 0x51, 0x3d, 0x2f, 0x1c, 0x7e, 0x9a, 0x10};
    EXPECT_EQ(parse_uuid("0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10"), expected);
    EXPECT_EQ(parse_uuid("0B6E2F0E-8F5B-4C8E-9A51-3D2F1C7E9A10"), expected);
    EXPECT_EQ(parse_uuid("0b6E2f0E-8F5b-4c8e-9A51-3d2f1C7e9a10"), expected);
    EXPECT_EQ(parse_uuid("00000000-0000-0000-0000-000000000000"), uuid_bytes{});
    uuid_bytes ones;
    ones.fill(0xff);
    EXPECT_EQ(parse_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"), ones);
}

TEST(core_uuid, rejects_other_text) {
    for (const char* bad : {
             "",
             "0b6e2f0e8f5b4c8e9a513d2f1c7e9a10",         // no dashes
             "{0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10}",   // braces
             "urn:uuid:0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10",
             "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a1",      // 35 characters
             "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a100",    // 37 characters
             "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a1g",     // not hex
             "0b6e2f0e-8f5b-4c8e-9a51 3d2f1c7e9a10",     // space instead of dash
             "0b6e2f0e8-f5b-4c8e-9a51-3d2f1c7e9a10",     // dash in the wrong place
             " 0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a1",
             "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a1\n",
             "+b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10",
         }) {
        EXPECT_FALSE(parse_uuid(bad).has_value()) << bad;
    }
    EXPECT_FALSE(parse_uuid(std::string_view("0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a1\0", 36)).has_value());
}

TEST(core_uuid, formats_lower_case) {
    uuid_bytes b{0x0B, 0x6E, 0x2F, 0x0E, 0x8F, 0x5B, 0x4C, 0x8E,
                 0x9A, 0x51, 0x3D, 0x2F, 0x1C, 0x7E, 0x9A, 0x10};
    EXPECT_EQ(format_uuid(b), "0b6e2f0e-8f5b-4c8e-9a51-3d2f1c7e9a10");
    EXPECT_EQ(format_uuid(uuid_bytes{}), "00000000-0000-0000-0000-000000000000");
}

TEST(core_uuid, generated_uuids_are_v4_and_round_trip) {
    for (int i = 0; i < 100; ++i) {
        auto text = generate_uuid();
        ASSERT_EQ(text.size(), 36u);
        auto bytes = parse_uuid(text);
        ASSERT_TRUE(bytes.has_value()) << text;
        EXPECT_EQ((*bytes)[6] >> 4, 4) << text;
        EXPECT_EQ((*bytes)[8] & 0xc0, 0x80) << text;
        EXPECT_EQ(format_uuid(*bytes), text);
    }
}

}  // namespace
}  // namespace tunely
