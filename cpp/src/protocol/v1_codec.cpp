#include "tunely/protocol/v1_codec.hpp"

#include <boost/json.hpp>
#include <boost/json/monotonic_resource.hpp>

#include <cmath>
#include <limits>

#include "tunely/core/error.hpp"
#include "tunely/protocol/limits.hpp"

namespace tunely::protocol::v1 {
namespace json = boost::json;

const char* type_name(const message& m) noexcept {
    static constexpr const char* names[] = {
        "auth",         "auth_ok",    "auth_error", "request", "response",
        "stream_start", "stream_chunk", "stream_end", "ping",   "pong",
        "tcp_connect",  "tcp_data",   "tcp_close",  "udp_open", "udp_close"};
    static_assert(std::size(names) == std::variant_size_v<message>);
    return names[m.index()];
}

namespace {

// Field readers implement the decoding rules of spec/PROTOCOL.md §1.6: absent or
// null optional fields take their default; a present field of the wrong JSON
// type is invalid_field; an absent required field is missing_field.
class reader {
public:
    explicit reader(const json::object& obj) : obj_(obj) {}
    std::error_code first_error() const noexcept { return error_; }

    const json::value* field(std::string_view key) const {
        auto* v = obj_.if_contains(key);
        return (v && !v->is_null()) ? v : nullptr;
    }

    std::string required_string(std::string_view key) {
        auto* v = field(key);
        if (!v) return fail(error::missing_field), std::string();
        if (!v->is_string()) return fail(error::invalid_field), std::string();
        return std::string(v->get_string());
    }

    std::string optional_string(std::string_view key, std::string fallback = {}) {
        auto* v = field(key);
        if (!v) return fallback;
        if (!v->is_string()) return fail(error::invalid_field), std::string();
        return std::string(v->get_string());
    }

    std::optional<std::string> nullable_string(std::string_view key) {
        auto* v = field(key);
        if (!v) return std::nullopt;
        if (!v->is_string()) return fail(error::invalid_field), std::nullopt;
        return std::string(v->get_string());
    }

    bool optional_bool(std::string_view key, bool fallback) {
        auto* v = field(key);
        if (!v) return fallback;
        if (!v->is_bool()) return fail(error::invalid_field), fallback;
        return v->get_bool();
    }

    // Any JSON number; floats truncate toward zero.
    std::int64_t optional_integer(std::string_view key, std::int64_t fallback) {
        auto* v = field(key);
        if (!v) return fallback;
        return to_integer(*v);
    }

    int required_status(std::string_view key) {
        auto* v = field(key);
        if (!v) return fail(error::missing_field), 0;
        if (!v->is_int64() && !v->is_uint64()) return fail(error::invalid_field), 0;
        auto n = to_integer(*v);
        if (n < 100 || n > 999) return fail(error::invalid_field), 0;
        return static_cast<int>(n);
    }

    double optional_timeout(std::string_view key, double fallback) {
        auto* v = field(key);
        if (!v) return fallback;
        if (!v->is_number()) return fail(error::invalid_field), fallback;
        double d = v->to_number<double>();
        if (!(d >= 0) || !std::isfinite(d)) return fail(error::invalid_field), fallback;
        return d;
    }

    header_list headers(std::string_view key) {
        header_list out;
        auto* v = field(key);
        if (!v) return out;
        if (!v->is_object()) return fail(error::invalid_field), out;
        for (const auto& kv : v->get_object()) {
            if (!kv.value().is_string()) return fail(error::invalid_field), header_list{};
            out.add(std::string(kv.key()), std::string(kv.value().get_string()));
        }
        return out;
    }

    std::vector<std::string> string_array(std::string_view key) {
        std::vector<std::string> out;
        auto* v = field(key);
        if (!v) return out;
        if (!v->is_array()) return fail(error::invalid_field), out;
        for (const auto& item : v->get_array()) {
            if (!item.is_string()) return fail(error::invalid_field), std::vector<std::string>{};
            out.emplace_back(item.get_string());
        }
        return out;
    }

    // tunnel_id: a string, or a number some servers sent, kept as its decimal text.
    std::string required_id_text(std::string_view key) {
        auto* v = field(key);
        if (!v) return fail(error::missing_field), std::string();
        if (v->is_string()) return std::string(v->get_string());
        if (v->is_int64()) return std::to_string(v->get_int64());
        if (v->is_uint64()) return std::to_string(v->get_uint64());
        return fail(error::invalid_field), std::string();
    }

private:
    std::int64_t to_integer(const json::value& v) {
        if (v.is_int64()) return v.get_int64();
        if (v.is_uint64()) {
            auto u = v.get_uint64();
            return u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                       ? std::numeric_limits<std::int64_t>::max()
                       : static_cast<std::int64_t>(u);
        }
        if (v.is_double()) {
            double d = v.get_double();
            if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return fail(error::invalid_field), 0;
            return static_cast<std::int64_t>(d);
        }
        return fail(error::invalid_field), 0;
    }

    void fail(tunely::error e) {
        if (!error_) error_ = make_error_code(e);
    }

    const json::object& obj_;
    std::error_code error_;
};

using decoder = message (*)(reader&);

message decode_auth(reader& r) {
    auth m;
    m.token = r.required_string("token");
    m.client_version = r.optional_string("client_version", "0.1.0");
    m.force = r.optional_bool("force", false);
    m.capabilities = r.string_array("capabilities");
    return m;
}
message decode_auth_ok(reader& r) {
    auth_ok m;
    m.domain = r.required_string("domain");
    m.tunnel_id = r.required_id_text("tunnel_id");
    m.server_version = r.optional_string("server_version");
    m.capabilities = r.string_array("capabilities");
    return m;
}
message decode_auth_error(reader& r) {
    auth_error m;
    m.error = r.required_string("error");
    m.code = r.optional_string("code", "auth_failed");
    return m;
}
message decode_request(reader& r) {
    request m;
    m.id = r.required_string("id");
    m.method = r.required_string("method");
    m.path = r.required_string("path");
    m.headers = r.headers("headers");
    m.body = r.nullable_string("body");
    m.timeout = r.optional_timeout("timeout", 1800.0);
    m.timestamp = r.optional_string("timestamp");
    return m;
}
message decode_response(reader& r) {
    response m;
    m.id = r.required_string("id");
    m.status = r.required_status("status");
    m.headers = r.headers("headers");
    m.body = r.nullable_string("body");
    m.error = r.nullable_string("error");
    m.duration_ms = r.optional_integer("duration_ms", 0);
    return m;
}
message decode_stream_start(reader& r) {
    stream_start m;
    m.id = r.required_string("id");
    m.status = r.required_status("status");
    m.headers = r.headers("headers");
    return m;
}
message decode_stream_chunk(reader& r) {
    stream_chunk m;
    m.id = r.required_string("id");
    m.data = r.required_string("data");
    m.sequence = r.optional_integer("sequence", 0);
    return m;
}
message decode_stream_end(reader& r) {
    stream_end m;
    m.id = r.required_string("id");
    m.error = r.nullable_string("error");
    m.duration_ms = r.optional_integer("duration_ms", 0);
    m.total_chunks = r.optional_integer("total_chunks", 0);
    return m;
}
message decode_ping(reader& r) { return ping{r.optional_string("timestamp")}; }
message decode_pong(reader& r) { return pong{r.optional_string("timestamp")}; }
message decode_tcp_connect(reader& r) { return tcp_connect{r.required_string("conn_id")}; }
message decode_tcp_data(reader& r) {
    tcp_data m;
    m.conn_id = r.required_string("conn_id");
    m.data = r.required_string("data");
    m.sequence = r.optional_integer("sequence", 0);
    return m;
}
message decode_tcp_close(reader& r) {
    tcp_close m;
    m.conn_id = r.required_string("conn_id");
    m.error = r.nullable_string("error");
    return m;
}
message decode_udp_open(reader& r) { return udp_open{r.required_string("session_id")}; }
message decode_udp_close(reader& r) {
    udp_close m;
    m.session_id = r.required_string("session_id");
    m.reason = r.nullable_string("reason");
    return m;
}

constexpr std::pair<std::string_view, decoder> decoders[] = {
    {"auth", decode_auth},
    {"auth_ok", decode_auth_ok},
    {"auth_error", decode_auth_error},
    {"request", decode_request},
    {"response", decode_response},
    {"stream_start", decode_stream_start},
    {"stream_chunk", decode_stream_chunk},
    {"stream_end", decode_stream_end},
    {"ping", decode_ping},
    {"pong", decode_pong},
    {"tcp_connect", decode_tcp_connect},
    {"tcp_data", decode_tcp_data},
    {"tcp_close", decode_tcp_close},
    {"udp_open", decode_udp_open},
    {"udp_close", decode_udp_close},
};

// --- encoding ---

json::object headers_object(const header_list& headers, json::storage_ptr sp) {
    json::object obj(std::move(sp));
    obj.reserve(headers.size());
    for (const auto& f : headers) obj[f.name] = f.value;
    return obj;
}

json::value nullable(const std::optional<std::string>& s, json::storage_ptr sp = {}) {
    return s ? json::value(json::string_view(*s), std::move(sp)) : json::value(nullptr, std::move(sp));
}

struct encoder {
    json::object& o;

    void operator()(const auth& m) {
        o["token"] = m.token;
        o["client_version"] = m.client_version;
        if (m.force) o["force"] = true;
        if (!m.capabilities.empty()) o["capabilities"] = json::value_from(m.capabilities);
    }
    void operator()(const auth_ok& m) {
        o["domain"] = m.domain;
        o["tunnel_id"] = m.tunnel_id;
        if (!m.server_version.empty()) o["server_version"] = m.server_version;
        if (!m.capabilities.empty()) o["capabilities"] = json::value_from(m.capabilities);
    }
    void operator()(const auth_error& m) {
        o["error"] = m.error;
        o["code"] = m.code;
    }
    void operator()(const request& m) {
        o["id"] = m.id;
        o["method"] = m.method;
        o["path"] = m.path;
        o["headers"] = headers_object(m.headers, o.storage());
        o["body"] = nullable(m.body, o.storage());
        o["timeout"] = m.timeout;
        if (!m.timestamp.empty()) o["timestamp"] = m.timestamp;
    }
    void operator()(const response& m) {
        o["id"] = m.id;
        o["status"] = m.status;
        o["headers"] = headers_object(m.headers, o.storage());
        o["body"] = nullable(m.body, o.storage());
        o["error"] = nullable(m.error);
        o["duration_ms"] = m.duration_ms;
    }
    void operator()(const stream_start& m) {
        o["id"] = m.id;
        o["status"] = m.status;
        o["headers"] = headers_object(m.headers, o.storage());
    }
    void operator()(const stream_chunk& m) {
        o["id"] = m.id;
        o["data"] = m.data;
        o["sequence"] = m.sequence;
    }
    void operator()(const stream_end& m) {
        o["id"] = m.id;
        o["error"] = nullable(m.error);
        o["duration_ms"] = m.duration_ms;
        o["total_chunks"] = m.total_chunks;
    }
    void operator()(const ping& m) {
        if (!m.timestamp.empty()) o["timestamp"] = m.timestamp;
    }
    void operator()(const pong& m) {
        if (!m.timestamp.empty()) o["timestamp"] = m.timestamp;
    }
    void operator()(const tcp_connect& m) { o["conn_id"] = m.conn_id; }
    void operator()(const tcp_data& m) {
        o["conn_id"] = m.conn_id;
        o["data"] = m.data;
        o["sequence"] = m.sequence;
    }
    void operator()(const tcp_close& m) {
        o["conn_id"] = m.conn_id;
        o["error"] = nullable(m.error);
    }
    void operator()(const udp_open& m) { o["session_id"] = m.session_id; }
    void operator()(const udp_close& m) {
        o["session_id"] = m.session_id;
        o["reason"] = nullable(m.reason);
    }
};

}  // namespace

result<message> decode(std::string_view text) noexcept {
    if (text.size() > v1_max_message_size) return make_error_code(error::frame_too_large);
    try {
        boost::system::error_code ec;
        // The document lives only while the message is read out of it (copies): its nodes come from a stack
        // buffer first, one heap block per overflow, all freed at once (a node-by-node malloc was a tenth of the
        // server's CPU per 1.1 request).
        unsigned char scratch[4096];
        json::monotonic_resource arena(scratch, sizeof scratch);
        json::value doc = json::parse(text, ec, &arena);
        if (ec || !doc.is_object()) return make_error_code(error::malformed_frame);
        const auto& obj = doc.get_object();
        const auto* type = obj.if_contains("type");
        if (!type || type->is_null()) return make_error_code(error::missing_field);
        if (!type->is_string()) return make_error_code(error::invalid_field);
        for (const auto& [name, fn] : decoders) {
            if (name != type->get_string()) continue;
            reader r(obj);
            message m = fn(r);
            if (r.first_error()) return r.first_error();
            return m;
        }
        return make_error_code(error::unknown_message);
    } catch (const std::bad_alloc&) {
        return make_error_code(error::frame_too_large);
    } catch (...) {
        return make_error_code(error::malformed_frame);
    }
}

std::string encode(const message& m) {
    // The object lives only while it is serialized: its nodes come from a stack buffer first (see decode()).
    unsigned char scratch[4096];
    json::monotonic_resource arena(scratch, sizeof scratch);
    json::object o(&arena);
    o["type"] = type_name(m);
    std::visit(encoder{o}, m);
    return json::serialize(o);
}

}  // namespace tunely::protocol::v1
