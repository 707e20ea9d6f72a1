# CREDWATCH_FUZZ=ON: the sanitizer build (clang only). Everything is compiled with AddressSanitizer
# and UndefinedBehaviorSanitizer (any undefined behaviour aborts) and with libFuzzer's coverage
# instrumentation, so that the same tree holds the fuzz targets (tests/fuzz) and the unit tests
# of the common libraries under the sanitizers. Run by scripts/fuzz.sh.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "CREDWATCH_FUZZ=ON needs clang (libFuzzer): configure with "
        "-DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang")
endif()
add_compile_options(-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
