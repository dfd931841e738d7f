#include "tunely/protocol/v1_binary.hpp"

#include <stdexcept>

#include "tunely/core/uuid.hpp"

namespace tunely::protocol::v1 {

namespace {
constexpr char binary_version = 0x02;
constexpr std::size_t binary_header_size = 2 + 16;  // version, kind, UUID
}  // namespace

std::string encode_binary(binary_kind kind, std::string_view id, std::string_view payload) {
    auto uuid = parse_uuid(id);
    if (!uuid) throw std::invalid_argument("binary data message: id is not a UUID");
    std::string out;
    out.reserve(binary_header_size + payload.size());
    out.push_back(binary_version);
    out.push_back(static_cast<char>(kind));
    for (auto b : *uuid) out.push_back(static_cast<char>(b));
    out.append(payload);
    return out;
}

std::optional<binary_data> decode_binary(std::string_view message) {
    if (message.size() < binary_header_size) return std::nullopt;
    if (message[0] != binary_version) return std::nullopt;
    auto kind = static_cast<std::uint8_t>(message[1]);
    if (kind != static_cast<std::uint8_t>(binary_kind::tcp_data) &&
        kind != static_cast<std::uint8_t>(binary_kind::udp_data))
        return std::nullopt;
    uuid_bytes uuid{};
    for (std::size_t i = 0; i < uuid.size(); ++i) uuid[i] = static_cast<std::uint8_t>(message[2 + i]);
    binary_data out;
    out.kind = static_cast<binary_kind>(kind);
    out.id = format_uuid(uuid);
    out.payload.assign(message.substr(binary_header_size));
    return out;
}

}  // namespace tunely::protocol::v1
