#include "confirm.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>

namespace tunely::app {

int confirm(bool yes, const std::string& action) {
    if (yes) return 0;
    if (::isatty(STDIN_FILENO) != 1) {
        std::cerr << "error: about to " << action << ": pass --yes (-y) to confirm (stdin is not a terminal, so "
                     "nobody can be asked)\n";
        return 2;
    }
    std::cerr << "About to " << action << ". Continue? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    std::transform(answer.begin(), answer.end(), answer.begin(), [](unsigned char c) { return std::tolower(c); });
    if (answer == "y" || answer == "yes") return 0;
    std::cerr << "Not confirmed; nothing changed.\n";
    return 1;
}

}  // namespace tunely::app
