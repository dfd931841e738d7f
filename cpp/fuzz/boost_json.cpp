// Boost.JSON compiled into the fuzz targets (instead of linking Debian's
// libboost_json) so the parser the 1.1 codec relies on is instrumented too:
// libFuzzer then sees its branches and ASan its memory accesses.
#include <boost/json/src.hpp>
