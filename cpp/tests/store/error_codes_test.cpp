// Database errors are told apart by their codes (SQLSTATE, error number, SQLite
// result code), not by their text, which servers translate (lc_messages): a
// trigger raises the unique-violation code under a German message, and a
// non-unique code under the English text of a unique violation.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <functional>
#include <random>
#include <vector>

#include "server_databases.hpp"
#include "tunely/core/error.hpp"
#include "tunely/store/sqlite_store.hpp"

namespace tunely::store {
namespace {

using test::code_of;

struct backend {
    std::string name;
    // Opens the store, or returns nullptr when this backend's server is not configured.
    std::function<std::unique_ptr<store>()> open;
    // Runs statements beside the store (installs a trigger).
    std::function<void(const std::vector<std::string>&)> execute;
    // Statements installing a trigger that fails every UPDATE of tunnels with the
    // unique-violation code and a German message, or with another code and the
    // English text of a unique violation. Empty when a trigger cannot raise that code.
    std::vector<std::string> unique_code_foreign_text;
    std::vector<std::string> other_code_unique_text;
};

void PrintTo(const backend& b, std::ostream* os) { *os << b.name; }

class error_codes : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override {
        db = GetParam().open();
        if (!db) {
            if (std::getenv("CI")) FAIL() << GetParam().name << " is not configured in CI";
            GTEST_SKIP() << "run through scripts/with-test-databases.sh (make test does)";
        }
        db->migrate_to(0);  // the server databases are shared: start empty (drops old triggers)
        db->migrate_to(db->latest_schema_version());
        new_tunnel a;
        a.domain = "alpha";
        a.token_hash = std::string(64, 'a');
        alpha = db->create_tunnel(a);
        new_tunnel b;
        b.domain = "beta";
        b.token_hash = std::string(64, 'b');
        db->create_tunnel(b);
    }

    std::unique_ptr<store> db;
    tunnel_record alpha;
};

TEST_P(error_codes, a_real_unique_violation_is_a_conflict) {
    // No pre-check in set_token_hash: the database's own UNIQUE constraint answers.
    EXPECT_EQ(code_of([&] { db->set_token_hash("beta", alpha.token_hash); }), make_error_code(error::store_conflict));
    EXPECT_EQ(db->find_tunnel("beta")->token_hash, std::string(64, 'b'));
}

TEST_P(error_codes, the_unique_violation_code_is_a_conflict_whatever_the_text) {
    if (GetParam().unique_code_foreign_text.empty()) GTEST_SKIP() << "a trigger cannot raise this code here";
    GetParam().execute(GetParam().unique_code_foreign_text);
    tunnel_update u;
    u.name = "renamed";
    EXPECT_EQ(code_of([&] { db->update_tunnel("alpha", u); }), make_error_code(error::store_conflict));
}

TEST_P(error_codes, the_text_of_a_unique_violation_under_another_code_is_no_conflict) {
    GetParam().execute(GetParam().other_code_unique_text);
    tunnel_update u;
    u.name = "renamed";
    EXPECT_EQ(code_of([&] { db->update_tunnel("alpha", u); }), make_error_code(error::store_unavailable));
}

// --- backends ---

std::filesystem::path sqlite_path() {
    static const auto path = [] {
        std::random_device rd;
        return std::filesystem::temp_directory_path() / ("tunely-codes-" + std::to_string(rd())) / "tunnels.db";
    }();
    return path;
}

void sqlite_execute(const std::vector<std::string>& statements) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(sqlite_path().c_str(), &raw), SQLITE_OK);
    for (const auto& statement : statements) {
        char* problem = nullptr;
        auto rc = sqlite3_exec(raw, statement.c_str(), nullptr, nullptr, &problem);
        std::string text = problem ? problem : "";
        sqlite3_free(problem);
        EXPECT_EQ(rc, SQLITE_OK) << text;
    }
    sqlite3_close(raw);
}

backend server_backend(const std::string& name, backend_kind kind, std::vector<std::string> unique_code_foreign_text,
                       std::vector<std::string> other_code_unique_text) {
    backend b;
    b.name = name;
    b.open = [kind]() -> std::unique_ptr<store> {
        auto o = test::server_from_env(kind);
        return o ? test::open_server(kind, *o) : nullptr;
    };
    b.execute = [kind](const std::vector<std::string>& statements) {
        auto o = test::server_from_env(kind);
        ASSERT_TRUE(o);
        soci::session sql;
        test::open_raw(sql, kind, *o);
        for (const auto& statement : statements) sql << statement;
    };
    b.unique_code_foreign_text = std::move(unique_code_foreign_text);
    b.other_code_unique_text = std::move(other_code_unique_text);
    return b;
}

// PostgreSQL: a trigger function raising SQLSTATE `code` with `message`.
std::vector<std::string> pg_trigger(const std::string& code, const std::string& message) {
    return {"CREATE OR REPLACE FUNCTION tunely_test_raise() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION '" + message + "' USING ERRCODE = '" + code + "'; END $$",
            "CREATE TRIGGER tunely_test_raise BEFORE UPDATE ON tunnels FOR EACH ROW EXECUTE FUNCTION "
            "tunely_test_raise()"};
}

// MariaDB: a trigger signalling error number `number` with `message`.
std::vector<std::string> maria_trigger(const std::string& state, int number, const std::string& message) {
    return {"CREATE TRIGGER tunely_test_raise BEFORE UPDATE ON tunnels FOR EACH ROW SIGNAL SQLSTATE '" + state +
           "' SET MYSQL_ERRNO = " + std::to_string(number) + ", MESSAGE_TEXT = '" + message + "'"};
}

INSTANTIATE_TEST_SUITE_P(
    backends, error_codes,
    ::testing::Values(
        backend{"sqlite",
                [] { return open_sqlite_store({sqlite_path().string(), 2}); },
                sqlite_execute,
                {},  // RAISE() can only fail with SQLITE_CONSTRAINT_TRIGGER
                {"CREATE TRIGGER tunely_test_raise BEFORE UPDATE ON tunnels "
                 "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: tunnels.domain'); END"}},
        server_backend("postgresql", backend_kind::postgresql,
                       pg_trigger("23505", "doppelter Schlüsselwert verletzt Unique-Constraint »tunnels_domain_key«"),
                       pg_trigger("P0001", "duplicate key value violates unique constraint \"tunnels_domain_key\"")),
        server_backend("mariadb", backend_kind::mysql,
                       maria_trigger("23000", 1062, "Doppelter Eintrag ''alpha'' für Schlüssel ''domain''"),
                       maria_trigger("45000", 1644, "Duplicate entry ''alpha'' for key ''domain''"))),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace tunely::store
