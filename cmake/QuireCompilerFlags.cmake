# Warnings and sanitizers, as interface targets that every Quire target links.
#   quire_warnings : -Wall -Wextra ... (plus -Werror with QUIRE_WERROR, as in CI)
#   quire_sanitize : ASan + UBSan with QUIRE_SANITIZE
add_library(quire_warnings INTERFACE)
target_compile_options(quire_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                            -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2>
  $<$<AND:$<COMPILE_LANGUAGE:CXX>,$<BOOL:${QUIRE_WERROR}>>:-Werror>
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall>
  $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${QUIRE_WERROR}>>:-Werror=all-warnings>)

add_library(quire_sanitize INTERFACE)
if(QUIRE_SANITIZE)
  target_compile_options(quire_sanitize INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=address,undefined -fno-omit-frame-pointer
                              -fno-sanitize-recover=undefined>)
  target_link_options(quire_sanitize INTERFACE -fsanitize=address,undefined)
endif()

# QUIRE_FUZZ: instrument every first-party target for libFuzzer coverage (clang only), so the
# fuzz_*_libfuzzer binaries of tests/fuzz see into the libraries they call.
option(QUIRE_FUZZ "Build libFuzzer binaries of the fuzz targets (clang, own build dir)" OFF)
if(QUIRE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "QUIRE_FUZZ=ON needs clang with libFuzzer: install clang and "
                        "libclang-rt-14-dev and configure with CC=clang CXX=clang++")
  endif()
  target_compile_options(quire_sanitize INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g>)
  target_link_options(quire_sanitize INTERFACE -fsanitize=address,undefined)
endif()

# quire_target_defaults(<target>): the flags every first-party target gets.
function(quire_target_defaults target)
  target_link_libraries(${target} PRIVATE quire_warnings quire_sanitize)
endfunction()
