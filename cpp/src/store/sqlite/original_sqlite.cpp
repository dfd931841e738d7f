// Reads an original Tunely SQLite database (SQLAlchemy schema: plaintext
// `token`, DATETIME text columns, BOOLEAN as 0/1). DATETIME columns are read
// as text (CAST): SOCI would otherwise parse them itself, losing fractions.
#include <soci/sqlite3/soci-sqlite3.h>
#include <soci/soci.h>

#include <filesystem>

#include "tunely/core/error.hpp"
#include "tunely/store/original_import.hpp"

namespace tunely::store {
namespace {

std::string text_at(const soci::row& r, std::size_t i) {
    if (r.get_indicator(i) == soci::i_null) return {};
    switch (r.get_properties(i).get_data_type()) {
    case soci::dt_string: return r.get<std::string>(i);
    case soci::dt_integer: return std::to_string(r.get<int>(i));
    case soci::dt_long_long: return std::to_string(r.get<long long>(i));
    case soci::dt_double: return std::to_string(r.get<double>(i));
    default: return {};
    }
}

long long int_at(const soci::row& r, std::size_t i, long long fallback) {
    auto t = text_at(r, i);
    if (t.empty()) return fallback;
    try {
        return std::stoll(t);
    } catch (...) {
        return fallback;
    }
}

}  // namespace

std::vector<original_tunnel> read_original_sqlite(const std::string& path) {
    if (!std::filesystem::exists(path))
        throw std::system_error(make_error_code(error::store_unavailable), "no such file: " + path);
    try {
        soci::session sql(soci::sqlite3, "db=" + path + " timeout=10");
        soci::rowset<soci::row> rows =
            sql.prepare << "SELECT domain, token, name, description, mode, enabled, CAST(created_at AS TEXT), "
                           "CAST(last_connected_at AS TEXT), total_requests FROM tunnels ORDER BY id";
        std::vector<original_tunnel> out;
        for (const auto& r : rows) {
            original_tunnel t;
            t.domain = text_at(r, 0);
            t.token = text_at(r, 1);
            t.name = text_at(r, 2);
            t.description = text_at(r, 3);
            t.mode = text_at(r, 4);
            t.enabled = int_at(r, 5, 1) != 0;
            t.created_at = parse_original_datetime(text_at(r, 6));
            t.last_connected_at = parse_original_datetime(text_at(r, 7));
            t.total_requests = int_at(r, 8, 0);
            out.push_back(std::move(t));
        }
        return out;
    } catch (const soci::soci_error& e) {
        throw std::system_error(make_error_code(error::store_unavailable),
                                "cannot read the original database " + path + ": " + e.get_error_message());
    }
}

}  // namespace tunely::store
