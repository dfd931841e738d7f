#pragma once
// Destructive commands (`tunely tunnel delete`, `tunely db downgrade`) go ahead only when told so: --yes/-y, or
// "y"/"yes" typed at the question asked on a terminal. Without a terminal on stdin (scripts, CI) and without
// --yes they refuse as a usage error, so that nothing is destroyed by a command line run unattended by mistake.
#include <string>

namespace tunely::app {

// 0: go ahead. Otherwise the exit code after saying why: 2 (no --yes and stdin is not a terminal), 1 (the answer
// was not yes). `action` completes "… ?" and the hint, e.g. "delete tunnel 'db'".
int confirm(bool yes, const std::string& action);

}  // namespace tunely::app
