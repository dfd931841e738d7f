option(TUNELY_BUILD_TESTS "Build the test suite" ON)
option(TUNELY_BUILD_EXAMPLES "Build examples/" ON)
option(TUNELY_BUILD_FUZZ "Build libFuzzer targets (clang)" OFF)
option(TUNELY_WERROR "Treat warnings as errors" OFF)

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()
find_program(MOLD_PROGRAM mold)
if(MOLD_PROGRAM)
  add_link_options(-fuse-ld=mold)
endif()

# Applied to every Tunely target (not to third-party code).
function(tunely_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers
    -Wno-mismatched-new-delete)  # gcc 12 false positive on Asio coroutine frames
  if(TUNELY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Sanitized builds (clang-16; see Makefile `test-sanitize`): e.g. -DTUNELY_SANITIZE=address,undefined.
# Set globally, not in tunely_target_defaults: the Asio/Beast implementation, the test support, the examples
# and the `tunely` binary the end-to-end tests spawn must all be instrumented, or ASan misses (and may even
# misreport) accesses made from uninstrumented code and container-overflow annotations disagree.
set(TUNELY_SANITIZE "" CACHE STRING "Comma-separated -fsanitize= list for every target (empty: none)")
if(TUNELY_SANITIZE)
  # -fno-sanitize-recover: a UBSan finding aborts the process, so a test cannot pass over one even when it is
  # run without the Makefile's UBSAN_OPTIONS.
  # -fno-sanitize=vptr: UBSan's dynamic-type check links against the typeinfo of every polymorphic class it
  # checks, and Debian's SOCI libraries do not export theirs (`undefined symbol: typeinfo for
  # soci::sqlite3_session_backend`). ASan still catches calls through freed objects.
  add_compile_options(-fsanitize=${TUNELY_SANITIZE} -fno-sanitize=vptr -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${TUNELY_SANITIZE} -fno-sanitize=vptr)
endif()

# clang 16 in C++20 mode rejects Beast 1.81's ssl_stream (`call to 'async_teardown' is ambiguous`: a clang
# regression with constrained friend templates, llvm/llvm-project#60749, worked around in Beast after 1.81,
# boostorg/beast#2648). Without Asio's concept checks the completion-token parameters are plain typenames and
# it compiles; the checks only improve error messages, so nothing else changes. Every target of a clang build
# gets it (a global definition), so Asio's separately compiled part and its users agree.
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  add_compile_definitions(BOOST_ASIO_DISABLE_CONCEPTS)
endif()
