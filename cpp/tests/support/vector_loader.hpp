#pragma once
// Loads spec/vectors/<file>.json. Throws when the file is missing, unparsable or
// holds no vectors, so a vector test can never pass vacuously.
#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tunely::test {

inline boost::json::array load_vectors_from(const std::string& path, const std::string& protocol) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open vector file " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    auto doc = boost::json::parse(ss.str());
    if (doc.at("protocol").as_string() != protocol)
        throw std::runtime_error(path + ": expected protocol " + protocol);
    auto vectors = doc.at("vectors").as_array();
    if (vectors.empty()) throw std::runtime_error(path + ": no vectors found");
    return vectors;
}

inline boost::json::array load_vectors(const std::string& file, const std::string& protocol) {
    return load_vectors_from(std::string(TUNELY_SPEC_DIR) + "/vectors/" + file, protocol);
}

inline std::string hex_to_bytes(std::string_view hex) {
    if (hex.size() % 2) throw std::runtime_error("odd hex length");
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::runtime_error("bad hex digit");
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2)
        out.push_back(static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1])));
    return out;
}

inline std::string bytes_to_hex(std::string_view bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

}  // namespace tunely::test
