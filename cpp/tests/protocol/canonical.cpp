#include "canonical.hpp"

#include "vector_loader.hpp"

namespace tunely::test {
namespace json = boost::json;
namespace {

json::array pairs(const header_list& headers) {
    json::array out;
    for (const auto& h : headers) out.push_back(json::array{json::string(h.name), json::string(h.value)});
    return out;
}

json::value nullable(const std::optional<std::string>& s) {
    return s ? json::value(*s) : json::value(nullptr);
}

json::value hex64(std::uint64_t v) {
    std::string bytes;
    for (int i = 7; i >= 0; --i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return json::value(bytes_to_hex(bytes));
}

}  // namespace

json::value canonical(const protocol::v1::message& m) {
    namespace v1 = protocol::v1;
    json::object o;
    o["type"] = v1::type_name(m);
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, v1::auth>) {
                o["token"] = x.token;
                o["client_version"] = x.client_version;
                o["force"] = x.force;
                o["capabilities"] = json::value_from(x.capabilities);
            } else if constexpr (std::is_same_v<T, v1::auth_ok>) {
                o["domain"] = x.domain;
                o["tunnel_id"] = x.tunnel_id;
                o["server_version"] = x.server_version;
                o["capabilities"] = json::value_from(x.capabilities);
            } else if constexpr (std::is_same_v<T, v1::auth_error>) {
                o["error"] = x.error;
                o["code"] = x.code;
            } else if constexpr (std::is_same_v<T, v1::request>) {
                o["id"] = x.id;
                o["method"] = x.method;
                o["path"] = x.path;
                o["headers"] = pairs(x.headers);
                o["body"] = nullable(x.body);
                o["timeout"] = x.timeout;
                o["timestamp"] = x.timestamp;
            } else if constexpr (std::is_same_v<T, v1::response>) {
                o["id"] = x.id;
                o["status"] = x.status;
                o["headers"] = pairs(x.headers);
                o["body"] = nullable(x.body);
                o["error"] = nullable(x.error);
                o["duration_ms"] = x.duration_ms;
            } else if constexpr (std::is_same_v<T, v1::stream_start>) {
                o["id"] = x.id;
                o["status"] = x.status;
                o["headers"] = pairs(x.headers);
            } else if constexpr (std::is_same_v<T, v1::stream_chunk>) {
                o["id"] = x.id;
                o["data"] = x.data;
                o["sequence"] = x.sequence;
            } else if constexpr (std::is_same_v<T, v1::stream_end>) {
                o["id"] = x.id;
                o["error"] = nullable(x.error);
                o["duration_ms"] = x.duration_ms;
                o["total_chunks"] = x.total_chunks;
            } else if constexpr (std::is_same_v<T, v1::ping> || std::is_same_v<T, v1::pong>) {
                o["timestamp"] = x.timestamp;
            } else if constexpr (std::is_same_v<T, v1::tcp_connect>) {
                o["conn_id"] = x.conn_id;
            } else if constexpr (std::is_same_v<T, v1::tcp_data>) {
                o["conn_id"] = x.conn_id;
                o["data"] = x.data;
                o["sequence"] = x.sequence;
            } else if constexpr (std::is_same_v<T, v1::tcp_close>) {
                o["conn_id"] = x.conn_id;
                o["error"] = nullable(x.error);
            } else if constexpr (std::is_same_v<T, v1::udp_open>) {
                o["session_id"] = x.session_id;
            } else if constexpr (std::is_same_v<T, v1::udp_close>) {
                o["session_id"] = x.session_id;
                o["reason"] = nullable(x.reason);
            }
        },
        m);
    return o;
}

json::value canonical(const protocol::v2::frame& f) {
    namespace v2 = protocol::v2;
    json::object o;
    o["type"] = v2::type_name(f);
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, v2::open>) {
                o["stream_id"] = x.id;
                o["end_stream"] = x.end_stream;
                o["raw"] = x.raw;
                o["timeout_ms"] = x.timeout_ms;
                o["method"] = x.method;
                o["target"] = x.target;
                o["headers"] = pairs(x.headers);
                o["data_hex"] = bytes_to_hex(x.body);
            } else if constexpr (std::is_same_v<T, v2::response>) {
                o["stream_id"] = x.id;
                o["end_stream"] = x.end_stream;
                o["status"] = x.status;
                o["headers"] = pairs(x.headers);
                o["data_hex"] = bytes_to_hex(x.body);
            } else if constexpr (std::is_same_v<T, v2::data>) {
                o["stream_id"] = x.id;
                o["end_stream"] = x.end_stream;
                o["data_hex"] = bytes_to_hex(x.bytes);
            } else if constexpr (std::is_same_v<T, v2::window>) {
                o["stream_id"] = x.id;
                o["increment"] = x.increment;
            } else if constexpr (std::is_same_v<T, v2::reset>) {
                o["stream_id"] = x.id;
                o["code"] = static_cast<unsigned>(x.code);
                o["message"] = x.message;
            } else if constexpr (std::is_same_v<T, v2::ping> || std::is_same_v<T, v2::pong>) {
                o["opaque_hex"] = hex64(x.opaque);
            } else if constexpr (std::is_same_v<T, v2::goaway>) {
                o["last_stream_id"] = x.last_stream_id;
                o["code"] = static_cast<unsigned>(x.code);
                o["message"] = x.message;
            }
        },
        f);
    return o;
}

}  // namespace tunely::test
