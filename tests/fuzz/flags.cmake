# tests/fuzz/flags.cmake: compile flags for the opt-in fuzz build.
#
# Included from the top-level CMakeLists.txt before any add_subdirectory(),
# so that with -DCOFFER_FUZZ=ON every coffer library is built with libFuzzer
# coverage instrumentation (fuzzer-no-link: the counters and comparison
# hooks, no main) plus ASan and UBSan. The fuzz executables themselves add
# -fsanitize=fuzzer in tests/fuzz/CMakeLists.txt, which links libFuzzer's
# main; everything else (unit tests, cofferd) links the sanitizer runtimes,
# whose weak coverage hooks make the instrumented libraries link anywhere.
#
# Usage: CC=clang cmake -S . -B build-fuzz -DCOFFER_FUZZ=ON
if(NOT COFFER_FUZZ)
  return()
endif()
if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "COFFER_FUZZ=ON needs clang (libFuzzer); configure a "
    "fresh build dir with: CC=clang cmake -S <src> -B <build> -DCOFFER_FUZZ=ON")
endif()

# UB must crash so libFuzzer records it; frame pointers give usable stacks.
# _FORTIFY_SOURCE (set by the top level for non-sanitizer builds) swaps libc
# calls for checking variants ASan sees less precisely; -U comes after the
# -D on the command line, so it wins wherever this file is included.
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
  -fno-sanitize-recover=all -fno-omit-frame-pointer -U_FORTIFY_SOURCE)
add_link_options(-fsanitize=address,undefined)
set_property(GLOBAL PROPERTY COFFER_FUZZ_FLAGS ON)
