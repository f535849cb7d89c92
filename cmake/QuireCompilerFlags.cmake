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

# quire_target_defaults(<target>): the flags every first-party target gets.
function(quire_target_defaults target)
  target_link_libraries(${target} PRIVATE quire_warnings quire_sanitize)
endfunction()
