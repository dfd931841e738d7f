#pragma once
// The SOCI backends of the database servers (PostgreSQL, MySQL/MariaDB) are loaded when a server URL is used,
// from small shared modules (tunely-soci-postgresql.so, tunely-soci-mysql.so), instead of being linked into
// `tunely`. Why: their client libraries and what those pull in (libpq, libmariadb, GnuTLS, Kerberos, LDAP,
// p11-kit, nettle, gmp…) cost every process about 3.5 MiB of RSS at start — SQLite servers and tunnel clients
// included, which never use them — and a binary that needs them cannot start where they are not installed.
//
// A module holds only what needs the backend's own library: its SOCI factory and the function that reads the
// backend's error codes (a dynamic_cast to the backend's error type). The dialects (DDL) and the store stay in
// the binary, so there is one copy of the store code and of tunely's error category.
#include <string>

#include "dialect.hpp"

namespace soci {
class backend_factory;
}

namespace tunely::store {

struct backend_glue {
    const soci::backend_factory* factory;
    failure_kind (*classify)(const soci::soci_error& e);
};

// The glue for `name` ("postgresql", "mysql"): registered in this process (register_backend_glue), else
// loaded from tunely-soci-<name>.so, looked for next to the executable, in <executable's dir>/../lib/tunely
// and in the installed module directory. Throws std::system_error(error::store_unavailable) saying where it
// looked and why it failed. Thread-safe; a module, once loaded, stays.
const backend_glue& load_backend_glue(const std::string& name);

// Makes `glue` the one load_backend_glue(name) returns (a program that links the glue in: the store tests).
void register_backend_glue(const std::string& name, const backend_glue* glue);

}  // namespace tunely::store

// What each module exports (C linkage: the name is looked up with dlsym).
extern "C" const tunely::store::backend_glue* tunely_soci_postgresql_glue();
extern "C" const tunely::store::backend_glue* tunely_soci_mysql_glue();
