#include "tunely/admin/console_files.hpp"

#include <fstream>
#include <iterator>

#include "json_response.hpp"

namespace tunely::admin {
namespace http = boost::beast::http;
namespace fs = std::filesystem;

namespace {

std::string content_type_for(const fs::path& p) {
    static const std::map<std::string, std::string, std::less<>> types{
        {".html", "text/html; charset=utf-8"},   {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},            {".map", "application/json"},
        {".svg", "image/svg+xml"},                {".png", "image/png"},
        {".ico", "image/x-icon"},                 {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},    {".webmanifest", "application/manifest+json"},
    };
    auto it = types.find(p.extension().string());
    return it == types.end() ? "application/octet-stream" : it->second;
}

// The console talks only to its own origin; nothing may frame it.
constexpr const char* content_security_policy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

}  // namespace

std::optional<console_files> console_files::load(const fs::path& dir, std::string& problem) {
    std::error_code ec;
    if (!fs::is_regular_file(dir / "index.html", ec)) {
        problem = "no index.html in " + dir.string() + " (build the console: cd admin-console && npm ci && npm run build)";
        return std::nullopt;
    }
    console_files out;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::ifstream in(it->path(), std::ios::binary);
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.good() && !in.eof()) {
            problem = "cannot read " + it->path().string();
            return std::nullopt;
        }
        out.files_.emplace(fs::relative(it->path(), dir).generic_string(),
                           file{content_type_for(it->path()), std::move(body)});
    }
    if (ec) {
        problem = "cannot list " + dir.string() + ": " + ec.message();
        return std::nullopt;
    }
    return out;
}

server::http_response console_files::serve(std::string_view path, bool head_only) const {
    if (path == "/admin") {
        server::http_response res{http::status::permanent_redirect, 11};
        res.set(http::field::location, "/admin/");
        return res;
    }
    std::string_view rel = path.substr(std::string_view("/admin/").size());
    auto it = files_.find(rel);
    const bool asset = rel.starts_with("assets/");
    if (it == files_.end()) {
        if (asset) return detail_response(404, "Not found");
        it = files_.find(std::string_view("index.html"));  // a client-side route
    }
    server::http_response res{http::status::ok, 11};
    res.set(http::field::content_type, it->second.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    if (asset) {
        res.set(http::field::cache_control, "public, max-age=31536000, immutable");
    } else {
        res.set(http::field::cache_control, "no-cache");
        res.set("Content-Security-Policy", content_security_policy);
        res.set("X-Frame-Options", "DENY");
        res.set("Referrer-Policy", "no-referrer");
    }
    if (!head_only) res.body() = it->second.body;
    return res;
}

server::http_response console_not_built() {
    return detail_response(404, "The admin console is not built: run `make run`, or start the server with "
                                "--console-dir pointing at admin-console/dist");
}

}  // namespace tunely::admin
