#pragma once
// Environment variables an option reads besides its own TUNELY_* one (CLI11 gives an option a single envname):
// the original Tunely's names (WS_TUNNEL_*, and its TUNELY_* spellings where ours differ), tunely-0.12.md §7.
// Precedence: a flag, then the option's own variable, then its aliases in the order added, then the config file.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace tunely::app {

// `name` is also read for `opt`, by apply_env_aliases(); with `caller_reads` by the command itself (the server's
// numeric WS_TUNNEL_* fallbacks warn about a bad value instead of failing), only known here so that the config file
// does not override it.
CLI::Option* add_env_alias(CLI::Option* opt, const std::string& name, bool caller_reads = false);

// The first alias of `opt` that is set (even empty: the original read an empty variable as a value), by name.
std::optional<std::string> set_alias(const CLI::Option* opt);

// True when the option's own variable (non-empty, as CLI11 reads it) or an alias is set.
bool set_by_environment(const CLI::Option* opt);

// For every option of `cmd` that neither a flag nor its own variable set: the first alias set gives its value,
// checked like a flag's (a refused value throws CLI11's ValidationError: a usage error). Not `caller_reads` ones.
void apply_env_aliases(CLI::App* cmd);

}  // namespace tunely::app
