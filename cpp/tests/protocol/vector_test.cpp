// Runs every vector of spec/vectors/ through the codecs: valid frames decode to
// the expected canonical message and survive a round trip; invalid frames give
// exactly the expected error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "canonical.hpp"
#include "tunely/core/error.hpp"
#include "tunely/protocol/v1_codec.hpp"
#include "tunely/protocol/v2_codec.hpp"
#include "vector_loader.hpp"

namespace tunely {
namespace json = boost::json;

namespace {

std::string name_of(const json::value& v) { return std::string(v.at("name").as_string()); }

bool compare_numbers_loosely(const json::value& a, const json::value& b) {
    if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
    if (a.is_object() && b.is_object()) {
        const auto& ao = a.get_object();
        const auto& bo = b.get_object();
        if (ao.size() != bo.size()) return false;
        for (const auto& kv : ao) {
            auto* other = bo.if_contains(kv.key());
            if (!other || !compare_numbers_loosely(kv.value(), *other)) return false;
        }
        return true;
    }
    if (a.is_array() && b.is_array()) {
        const auto& aa = a.get_array();
        const auto& ba = b.get_array();
        if (aa.size() != ba.size()) return false;
        for (std::size_t i = 0; i < aa.size(); ++i)
            if (!compare_numbers_loosely(aa[i], ba[i])) return false;
        return true;
    }
    return a == b;
}

}  // namespace

TEST(vector_loader, rejects_missing_and_empty_vector_sets) {
    EXPECT_THROW(test::load_vectors("does-not-exist.json", "1.1"), std::exception);
    EXPECT_THROW(test::load_vectors("v1.json", "2"), std::exception);  // wrong protocol tag
    auto empty = std::filesystem::temp_directory_path() / "tunely-empty-vectors.json";
    std::ofstream(empty) << R"({"protocol":"1.1","vectors":[]})";
    EXPECT_THROW(test::load_vectors_from(empty.string(), "1.1"), std::runtime_error);
    std::filesystem::remove(empty);
}

// Runs one vector file: `input` extracts the frame, `decode` decodes it and
// `round_trip` checks the re-encoding of a valid vector.
template <class Decode, class RoundTrip>
void run_vectors(const json::array& vectors, const char* input_key, bool hex, Decode decode, RoundTrip round_trip) {
    std::size_t valid = 0, invalid = 0;
    for (const auto& v : vectors) {
        SCOPED_TRACE(name_of(v));
        auto raw = std::string(v.at(input_key).as_string());
        auto input = hex ? test::hex_to_bytes(raw) : raw;
        auto decoded = decode(input);
        if (v.at("valid").as_bool()) {
            ++valid;
            ASSERT_TRUE(decoded.has_value()) << decoded.error().message();
            auto got = test::canonical(*decoded);
            EXPECT_TRUE(compare_numbers_loosely(got, v.at("message")))
                << "got      " << json::serialize(got) << "\nexpected " << json::serialize(v.at("message"));
            round_trip(v, input, *decoded);
        } else {
            ++invalid;
            ASSERT_FALSE(decoded.has_value()) << "decoded although invalid";
            EXPECT_EQ(std::string(error_code_name(static_cast<error>(decoded.error().value()))),
                      std::string(v.at("error").as_string()));
        }
    }
    EXPECT_GT(valid, 0u);
    EXPECT_GT(invalid, 0u);
}

TEST(protocol_v1_vectors, decode_as_specified) {
    run_vectors(
        test::load_vectors("v1.json", "1.1"), "text", false,
        [](const std::string& text) { return protocol::v1::decode(text); },
        [](const json::value&, const std::string&, const protocol::v1::message& m) {
            auto again = protocol::v1::decode(protocol::v1::encode(m));
            ASSERT_TRUE(again.has_value());
            EXPECT_EQ(*again, m) << "encode/decode round trip changed the message";
        });
}

TEST(protocol_v2_vectors, decode_as_specified) {
    run_vectors(
        test::load_vectors("v2.json", "2"), "hex", true,
        [](const std::string& bytes) { return protocol::v2::decode(bytes); },
        [](const json::value& v, const std::string& bytes, const protocol::v2::frame& f) {
            auto* canonical = v.as_object().if_contains("canonical");
            if (!canonical || canonical->as_bool()) {
                EXPECT_EQ(test::bytes_to_hex(protocol::v2::encode(f)), test::bytes_to_hex(bytes));
            }
        });
}

}  // namespace tunely
