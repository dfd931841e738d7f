#pragma once
// The admin console's build (admin-console/dist), served at /admin/.
//
// Files are read once at start into memory (the build is a few hundred KB), so
// requests never wait on the disk on the I/O thread and nothing outside the
// directory can be named by a request. Cache policy: hashed files under
// assets/ are immutable for a year; everything else (index.html) is revalidated
// on every load so a new build shows at once. A path under /admin/ that is not a
// file falls back to index.html (client-side routes); a missing file under
// assets/ is a 404, never HTML.
//
// Thread-safety: immutable after load(); serve() may run anywhere.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tunely/server/http_connection.hpp"

namespace tunely::admin {

class console_files {
public:
    // Reads every regular file under `dir`; nullopt (with `problem`) when there is
    // no index.html.
    static std::optional<console_files> load(const std::filesystem::path& dir, std::string& problem);

    // `path`: the request path without query, "/admin" or starting with "/admin/".
    server::http_response serve(std::string_view path, bool head_only) const;

    std::size_t file_count() const noexcept { return files_.size(); }

private:
    struct file {
        std::string content_type;
        std::string body;
    };
    std::map<std::string, file, std::less<>> files_;  // relative path ("index.html", "assets/x.js") → file
};

// The response for /admin/… when no console build was found.
server::http_response console_not_built();

}  // namespace tunely::admin
