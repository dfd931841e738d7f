// What of the PostgreSQL backend needs its SOCI library (libpq behind it): the factory and the error
// classifier. Built as the module tunely-soci-postgresql.so that `tunely` loads when a postgresql:// URL is used
// (backend_glue.hpp), and as a static library for the store tests.
#include <soci/postgresql/soci-postgresql.h>

#include "backend_glue.hpp"

namespace tunely::store {
namespace {

// By SQLSTATE (PostgreSQL manual, appendix A): 23505 unique_violation; class 08
// connection exceptions; 57P01-57P03 the server shuts down or is not up yet.
// SOCI 4.0.3 gives a connection that broke without an answer a blank SQLSTATE:
// sql_store recognises that case by asking the session.
failure_kind classify_postgresql(const soci::soci_error& e) {
    const auto* pg = dynamic_cast<const soci::postgresql_soci_error*>(&e);
    if (!pg)
        return e.get_error_category() == soci::soci_error::connection_error ? failure_kind::connection_lost
                                                                            : failure_kind::other;
    const std::string state = pg->sqlstate();
    if (state == "23505") return failure_kind::unique_violation;
    if (pg->get_error_category() == soci::soci_error::connection_error || state.starts_with("08") ||
        state == "57P01" || state == "57P02" || state == "57P03")
        return failure_kind::connection_lost;
    return failure_kind::other;
}

}  // namespace
}  // namespace tunely::store

extern "C" const tunely::store::backend_glue* tunely_soci_postgresql_glue() {
    static const tunely::store::backend_glue glue{soci::factory_postgresql(), tunely::store::classify_postgresql};
    return &glue;
}
