// The store suite links the database servers' SOCI glue in (the `tunely` binary loads it from its modules,
// tunely-soci-*.so, which are not next to this test program): registered before any test opens a store.
#include "backend_glue.hpp"

namespace {
const bool registered = [] {
    tunely::store::register_backend_glue("postgresql", tunely_soci_postgresql_glue());
    tunely::store::register_backend_glue("mysql", tunely_soci_mysql_glue());
    return true;
}();
}  // namespace
