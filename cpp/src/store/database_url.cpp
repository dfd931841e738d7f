#include "tunely/store/database_url.hpp"

#include <boost/url.hpp>

namespace tunely::store {

std::optional<database_url> parse_database_url(const std::string& url, std::string& problem) {
    auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) {
        problem = "a database URL looks like sqlite:///path/to/file.db or postgresql://user:pass@host:5432/db";
        return std::nullopt;
    }
    auto scheme = url.substr(0, scheme_end);
    if (auto plus = scheme.find('+'); plus != std::string::npos) scheme = scheme.substr(0, plus);

    database_url out;
    if (scheme == "sqlite") {
        auto rest = url.substr(scheme_end + 3);
        out.redacted = url;
        if (rest == ":memory:" || rest == "/:memory:") {
            out.sqlite_path = ":memory:";
            return out;
        }
        if (rest.empty() || rest.front() != '/' || rest.size() == 1) {
            problem = "a sqlite URL needs three slashes: sqlite:///relative/path.db or sqlite:////absolute/path.db";
            return std::nullopt;
        }
        out.sqlite_path = rest.substr(1);  // sqlite:///./data/x.db → ./data/x.db; sqlite:////abs → /abs
        return out;
    }
    if (scheme == "postgresql" || scheme == "postgres") out.kind = backend_kind::postgresql;
    else if (scheme == "mysql" || scheme == "mariadb") out.kind = backend_kind::mysql;
    else {
        problem = "unknown database scheme '" + scheme + "' (sqlite, postgresql or mysql)";
        return std::nullopt;
    }
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->host().empty()) {
        problem = "cannot parse the " + scheme + " URL (expected " + scheme + "://user:pass@host:port/database)";
        return std::nullopt;
    }
    auto& o = out.server;
    o.host = parsed->host();
    if (o.host.size() > 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
    o.port = parsed->has_port() ? static_cast<int>(parsed->port_number()) : 0;
    o.user = parsed->user();
    o.password = secret(std::string(parsed->password()));
    std::string path = parsed->path();
    o.database = path.empty() ? std::string() : path.substr(1);
    if (o.database.empty() || o.database.find('/') != std::string::npos) {
        problem = "the " + scheme + " URL must name one database: " + scheme + "://user:pass@host:port/database";
        return std::nullopt;
    }
    boost::urls::url redacted(*parsed);
    if (parsed->has_password()) redacted.set_password("***");
    out.redacted = redacted.buffer();
    return out;
}

}  // namespace tunely::store
