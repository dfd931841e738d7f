#pragma once
// What differs between SQL databases, kept out of the shared store code:
// DDL of each schema version and what an error's codes mean.
#include <string>
#include <vector>

#include <soci/soci-backend.h>

namespace tunely::store {

struct migration {
    int version;
    std::string description;
    std::vector<std::string> up;    // statements, applied in order in one transaction
    std::vector<std::string> down;  // statements undoing `up`
};

// What a failed statement means to the store. Read from the codes SOCI carries
// (SQLSTATE, the server's error number, SQLite's extended result code), never
// from the message: servers translate their messages (lc_messages).
enum class failure_kind {
    unique_violation,  // a UNIQUE constraint was hit → store_conflict
    connection_lost,   // the link to the server broke; the session must be reconnected
    other,             // anything else → store_unavailable
};

struct dialect {
    std::string name;  // "sqlite", later "postgresql", "mysql"
    std::vector<migration> migrations;  // version 1, 2, … in order
    // Starts a transaction that will write. SQLite needs "BEGIN IMMEDIATE": a
    // deferred transaction that reads first cannot upgrade to a writer while
    // another connection writes, and fails at once instead of waiting.
    std::string begin_write = "BEGIN";
    // Classifies `e` by its codes. A backend that cannot tell a lost connection
    // from its codes answers `other`; sql_store then asks the session itself.
    failure_kind (*classify)(const soci::soci_error& e);
};

}  // namespace tunely::store
