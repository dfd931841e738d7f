#pragma once
// Opens a pool of SOCI sessions to a database server and wraps it in sql_store.
#include <soci/soci.h>

#include <memory>
#include <string>

#include "dialect.hpp"
#include "sql_store.hpp"
#include "tunely/core/error.hpp"
#include "tunely/store/server_store.hpp"

namespace tunely::store {

// Quotes a value for a libpq/SOCI "key=value" connection string.
inline std::string connection_value(const std::string& v) {
    std::string out = "'";
    for (char c : v) {
        if (c == '\'' || c == '\\') out.push_back('\\');
        out.push_back(c);
    }
    return out + "'";
}

inline std::unique_ptr<store> open_server_store(const soci::backend_factory& backend, const std::string& connect,
                                                const server_options& o, dialect d, const char* what) {
    const auto size = static_cast<std::size_t>(std::max(1, o.pool_size));
    try {
        auto pool = std::make_unique<soci::connection_pool>(size);
        for (std::size_t i = 0; i < size; ++i) pool->at(i).open(backend, connect);
        return std::make_unique<sql_store>(std::move(pool), std::move(d), o.password.reveal());
    } catch (const soci::soci_error& e) {
        std::string message = e.get_error_message();
        if (!o.password.empty()) {  // never let a password reach a log
            for (auto pos = message.find(o.password.reveal()); pos != std::string::npos;
                 pos = message.find(o.password.reveal()))
                message.replace(pos, o.password.reveal().size(), "***");
        }
        throw std::system_error(make_error_code(error::store_unavailable),
                                std::string("cannot connect to ") + what + " at " + o.host + ":" +
                                    std::to_string(o.port) + "/" + o.database + ": " + message);
    }
}

}  // namespace tunely::store
