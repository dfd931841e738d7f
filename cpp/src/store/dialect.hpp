#pragma once
// What differs between SQL databases, kept out of the shared store code:
// DDL of each schema version and how a unique-constraint violation looks.
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

struct dialect {
    std::string name;  // "sqlite", later "postgresql", "mysql"
    std::vector<migration> migrations;  // version 1, 2, … in order
    // Starts a transaction that will write. SQLite needs "BEGIN IMMEDIATE": a
    // deferred transaction that reads first cannot upgrade to a writer while
    // another connection writes, and fails at once instead of waiting.
    std::string begin_write = "BEGIN";
    // True when `e` reports a UNIQUE violation (→ store_conflict).
    bool (*is_unique_violation)(const soci::soci_error& e);
};

}  // namespace tunely::store
