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
