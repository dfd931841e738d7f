// `tunely db …`: drives schema migrations, the way the original's Alembic setup did.
#include "db_command.hpp"

#include <iostream>

#include "database_url.hpp"
#include "tunely/store/original_import.hpp"

namespace tunely::app {
namespace {

struct db_flags {
    std::string database = "sqlite:///./data/tunnels.db";
    int to = -1;
    std::string from;
};

// Opens the store named by the flags, runs `fn` and turns failures into an exit code.
template <class F>
int with_store(const db_flags& f, F fn) {
    std::string problem;
    auto url = store::parse_database_url(f.database, problem);
    if (!url) {
        std::cerr << "error: --database: " << problem << "\n";
        return 2;
    }
    try {
        auto db = open_store(*url);
        return fn(*db);
    } catch (const std::exception& e) {
        std::cerr << "error: " << url->redacted << ": " << e.what() << "\n";
        return 1;
    }
}

}  // namespace

void add_db_command(CLI::App& app, int& exit_code) {
    auto f = std::make_shared<db_flags>();
    auto* cmd = app.add_subcommand("db", "Database schema migrations");
    cmd->require_subcommand(1);
    auto database = [&](CLI::App* sub) {
        sub->add_option("--database", f->database, "Database URL")->envname("TUNELY_DATABASE_URL")->capture_default_str();
    };

    auto* upgrade = cmd->add_subcommand("upgrade", "Apply migrations up to the latest version (or --to N)");
    database(upgrade);
    upgrade->add_option("--to", f->to, "Target version")->check(CLI::NonNegativeNumber);
    upgrade->callback([f, &exit_code] {
        exit_code = with_store(*f, [&](store::store& db) {
            int from = db.schema_version();
            int to = f->to < 0 ? db.latest_schema_version() : f->to;
            if (to < from) {
                std::cerr << "error: the schema is at version " << from << "; use `tunely db downgrade --to " << to
                          << "` to go down\n";
                return 1;
            }
            db.migrate_to(to);
            std::cout << "schema version " << from << " → " << db.schema_version() << "\n";
            return 0;
        });
    });

    auto* downgrade = cmd->add_subcommand("downgrade", "Undo migrations down to version N (0 drops every table)");
    database(downgrade);
    downgrade->add_option("--to", f->to, "Target version")->required()->check(CLI::NonNegativeNumber);
    downgrade->callback([f, &exit_code] {
        exit_code = with_store(*f, [&](store::store& db) {
            int from = db.schema_version();
            if (f->to > from) {
                std::cerr << "error: the schema is at version " << from << "; use `tunely db upgrade` to go up\n";
                return 1;
            }
            db.migrate_to(f->to);
            std::cout << "schema version " << from << " → " << db.schema_version() << "\n";
            return 0;
        });
    });

    auto* current = cmd->add_subcommand("current", "Print the schema version of the database");
    database(current);
    current->callback([f, &exit_code] {
        exit_code = with_store(*f, [](store::store& db) {
            std::cout << db.schema_version() << " (this build knows up to " << db.latest_schema_version() << ")\n";
            return 0;
        });
    });

    auto* import = cmd->add_subcommand("import-tunely",
                                       "Import tunnels from an original Tunely database (tokens keep working)");
    database(import);
    import->add_option("--from", f->from, "The original's database URL (sqlite:///path/tunnels.db)")->required();
    import->callback([f, &exit_code] {
        std::string problem;
        auto from = store::parse_database_url(f->from, problem);
        if (!from || from->kind != store::backend_kind::sqlite || from->sqlite_path == ":memory:") {
            std::cerr << "error: --from: " << (from ? "this build imports from SQLite files (the original's default)" : problem)
                      << "\n";
            exit_code = 2;
            return;
        }
        exit_code = with_store(*f, [&](store::store& db) {
            if (db.schema_version() < db.latest_schema_version()) db.migrate_to(db.latest_schema_version());
            auto report = store::import_original_tunnels(db, store::read_original_sqlite(from->sqlite_path));
            std::cout << "imported " << report.imported << " tunnel(s), skipped " << report.skipped
                      << " already present\n";
            for (const auto& p : report.problems) std::cerr << "not imported: " << p << "\n";
            return report.problems.empty() ? 0 : 1;
        });
    });

    auto* history = cmd->add_subcommand("history", "List the schema versions this build knows");
    database(history);
    history->callback([f, &exit_code] {
        exit_code = with_store(*f, [](store::store& db) {
            for (const auto& m : db.migrations())
                std::cout << (m.applied ? "[x] " : "[ ] ") << m.version << "  " << m.description << "\n";
            return 0;
        });
    });
}

}  // namespace tunely::app
