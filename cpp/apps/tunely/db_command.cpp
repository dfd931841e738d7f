// `tunely db …`: drives schema migrations, the way the original's Alembic setup did.
#include "db_command.hpp"

#include <filesystem>
#include <iostream>

#include "confirm.hpp"
#include "database_url.hpp"
#include "env_aliases.hpp"
#include "tunely/store/original_import.hpp"

namespace tunely::app {
namespace {

struct db_flags {
    std::string database = "sqlite:///./data/tunnels.db";
    int to = -1;
    std::string from;
    bool yes = false;  // downgrade: no question
};

// Whether a command may create the database: those that only read it (current, history) or take something away
// (downgrade) never do, so that a mistyped SQLite path is an error naming it instead of a new empty file.
enum class access { may_create, existing };

// Opens the store named by the flags, runs `fn` and turns failures into an exit code.
template <class F>
int with_store(const db_flags& f, access mode, F fn) {
    std::string problem;
    auto url = store::parse_database_url(f.database, problem);
    if (!url) {
        std::cerr << "error: --database: " << problem << "\n";
        return 2;
    }
    std::error_code ec;
    if (mode == access::existing && url->kind == store::backend_kind::sqlite && url->sqlite_path != ":memory:" &&
        !std::filesystem::exists(url->sqlite_path, ec)) {
        std::cerr << "error: --database " << url->redacted << ": no such file "
                  << std::filesystem::absolute(url->sqlite_path, ec).lexically_normal().string()
                  << " (nothing created; `tunely db upgrade` or `tunely server` creates a database)\n";
        return 1;
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

void add_db_command(CLI::App& app, int& exit_code, config_file& config) {
    auto f = std::make_shared<db_flags>();
    auto* cmd = app.add_subcommand("db", "Database schema migrations");
    cmd->require_subcommand(1);
    // --database, also the original's WS_TUNNEL_DATABASE_URL (its Alembic read that) and `database` in [server] of
    // the config file: the server's own database.
    auto database = [&](CLI::App* sub) {
        add_env_alias(sub->add_option("-D,--database", f->database, "Database URL (also WS_TUNNEL_DATABASE_URL)")
                          ->envname("TUNELY_DATABASE_URL")->capture_default_str(),
                      "WS_TUNNEL_DATABASE_URL");
        config.add_option(sub);
    };
    // The environment's aliases, then the config file; false (exit code set) when the file is unusable.
    auto configured = [&config, &exit_code](CLI::App* sub) {
        apply_env_aliases(sub);
        if (config.apply(sub, "server")) return true;
        exit_code = 2;
        return false;
    };

    auto* upgrade = cmd->add_subcommand("upgrade", "Apply migrations up to the latest version (or --to N)");
    database(upgrade);
    upgrade->add_option("--to", f->to, "Target version")->check(CLI::NonNegativeNumber);
    upgrade->callback([f, &exit_code, configured, upgrade] {
        if (!configured(upgrade)) return;
        exit_code = with_store(*f, access::may_create, [&](store::store& db) {
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
    downgrade->add_flag("-y,--yes", f->yes, "Downgrade without asking (required when stdin is not a terminal)");
    downgrade->callback([f, &exit_code, configured, downgrade] {
        if (!configured(downgrade)) return;
        exit_code = with_store(*f, access::existing, [&](store::store& db) {
            int from = db.schema_version();
            if (f->to > from) {
                std::cerr << "error: the schema is at version " << from << "; use `tunely db upgrade` to go up\n";
                return 1;
            }
            if (f->to < from) {
                const auto what = "downgrade the schema " + std::to_string(from) + " → " + std::to_string(f->to) +
                                  (f->to == 0 ? " (drops every table)" : " (drops what the later versions added)");
                if (int refused = confirm(f->yes, what)) return refused;
            }
            db.migrate_to(f->to);
            std::cout << "schema version " << from << " → " << db.schema_version() << "\n";
            return 0;
        });
    });

    auto* current = cmd->add_subcommand("current", "Print the schema version of the database");
    database(current);
    current->callback([f, &exit_code, configured, current] {
        if (!configured(current)) return;
        exit_code = with_store(*f, access::existing, [](store::store& db) {
            std::cout << db.schema_version() << " (this build knows up to " << db.latest_schema_version() << ")\n";
            return 0;
        });
    });

    auto* import = cmd->add_subcommand("import-tunely",
                                       "Import tunnels from an original Tunely database (tokens keep working)");
    database(import);
    import->add_option("--from", f->from, "The original's database URL (sqlite:///path/tunnels.db)")->required();
    import->callback([f, &exit_code, configured, import] {
        if (!configured(import)) return;
        std::string problem;
        auto from = store::parse_database_url(f->from, problem);
        if (!from || from->kind != store::backend_kind::sqlite || from->sqlite_path == ":memory:") {
            std::cerr << "error: --from: " << (from ? "this build imports from SQLite files (the original's default)" : problem)
                      << "\n";
            exit_code = 2;
            return;
        }
        exit_code = with_store(*f, access::may_create, [&](store::store& db) {
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
    history->callback([f, &exit_code, configured, history] {
        if (!configured(history)) return;
        exit_code = with_store(*f, access::existing, [](store::store& db) {
            for (const auto& m : db.migrations())
                std::cout << (m.applied ? "[x] " : "[ ] ") << m.version << "  " << m.description << "\n";
            return 0;
        });
    });
}

}  // namespace tunely::app
