// What of the MySQL backend needs its SOCI library (libmariadb behind it): the factory and the error
// classifier. Built as the module tunely-soci-mysql.so that `tunely` loads when a mysql:// URL is used
// (backend_glue.hpp), and as a static library for the store tests.
#include <soci/mysql/soci-mysql.h>

#include "backend_glue.hpp"

namespace tunely::store {
namespace {

// By error number: 1062 ER_DUP_ENTRY and 1586 ER_DUP_ENTRY_WITH_KEY_NAME are
// unique violations. SOCI's connection_error category covers the client's
// 2002/2003/2006/2013 and MariaDB's 1927 (connection killed); added here: 1053
// ER_SERVER_SHUTDOWN and 2055 CR_SERVER_LOST_EXTENDED.
failure_kind classify_mysql(const soci::soci_error& e) {
    if (e.get_error_category() == soci::soci_error::connection_error) return failure_kind::connection_lost;
    const auto* my = dynamic_cast<const soci::mysql_soci_error*>(&e);
    if (!my) return failure_kind::other;
    switch (my->err_num_) {
    case 1062:
    case 1586: return failure_kind::unique_violation;
    case 1053:
    case 2055: return failure_kind::connection_lost;
    default: return failure_kind::other;
    }
}

}  // namespace
}  // namespace tunely::store

extern "C" const tunely::store::backend_glue* tunely_soci_mysql_glue() {
    static const tunely::store::backend_glue glue{soci::factory_mysql(), tunely::store::classify_mysql};
    return &glue;
}
