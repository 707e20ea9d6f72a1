# CMake toolchain for the Windows (x86_64, mingw-w64, posix threads) cross build of credwatch.
#
#   scripts/windows-deps.sh
#   cmake --preset windows          (or: cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=...)
#   (-DCREDWATCH_WINDOWS_DEPS=<prefix> or export CREDWATCH_WINDOWS_DEPS to choose a prefix;
#   without, the newest finished one in scripts/windows-deps.sh's cache is used)
#
# The dependency prefix is made by scripts/windows-deps.sh (static OpenSSL, SQLite, libcurl,
# wxWidgets, fmt, spdlog, GoogleTest; $prefix/include-host holds symlinks to the header-only
# Boost, toml++ and CLI11 from Debian's -dev packages). See docs/windows-build.md.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_VERSION 10.0)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CREDWATCH_MINGW_TRIPLE x86_64-w64-mingw32)

# --- where the dependencies are -------------------------------------------------------------
# Cache variable first, then the environment, then the newest finished prefix that
# scripts/windows-deps.sh left in its cache root (${CREDWATCH_DEPS_CACHE:-$HOME/.cache/credwatch}/
# windows-deps-<key>; the key is not computed here, it needs the Debian source index). The
# toolchain file is read again inside every try_compile project, where only the environment (set
# below) and the variables listed in CMAKE_TRY_COMPILE_PLATFORM_VARIABLES are visible.
if(NOT CREDWATCH_WINDOWS_DEPS AND DEFINED ENV{CREDWATCH_WINDOWS_DEPS})
    set(CREDWATCH_WINDOWS_DEPS "$ENV{CREDWATCH_WINDOWS_DEPS}")
endif()
if(NOT CREDWATCH_WINDOWS_DEPS)
    if(DEFINED ENV{CREDWATCH_DEPS_CACHE} AND NOT "$ENV{CREDWATCH_DEPS_CACHE}" STREQUAL "")
        set(_credwatch_cache_root "$ENV{CREDWATCH_DEPS_CACHE}")
    else()
        set(_credwatch_cache_root "$ENV{HOME}/.cache/credwatch")
    endif()
    file(GLOB _credwatch_prefixes LIST_DIRECTORIES true "${_credwatch_cache_root}/windows-deps-*")
    set(_credwatch_newest "")
    foreach(_prefix IN LISTS _credwatch_prefixes)
        if(EXISTS "${_prefix}/.credwatch-deps-complete")
            file(TIMESTAMP "${_prefix}/.credwatch-deps-complete" _stamp "%s" UTC)
            if(_credwatch_newest STREQUAL "" OR _stamp GREATER _credwatch_newest_stamp)
                set(_credwatch_newest "${_prefix}")
                set(_credwatch_newest_stamp "${_stamp}")
            endif()
        endif()
    endforeach()
    if(_credwatch_newest STREQUAL "")
        message(FATAL_ERROR
            "No Windows dependency prefix found: ${_credwatch_cache_root} holds no finished "
            "windows-deps-* folder. Build it first with scripts/windows-deps.sh (30-60 min the "
            "first time), or pass -DCREDWATCH_WINDOWS_DEPS=<prefix>.")
    endif()
    set(CREDWATCH_WINDOWS_DEPS "${_credwatch_newest}")
    message(STATUS "Windows dependencies: ${CREDWATCH_WINDOWS_DEPS} (newest in ${_credwatch_cache_root})")
    unset(_credwatch_cache_root)
    unset(_credwatch_prefixes)
    unset(_credwatch_newest)
    unset(_credwatch_newest_stamp)
    unset(_prefix)
    unset(_stamp)
endif()
if(NOT EXISTS "${CREDWATCH_WINDOWS_DEPS}/.credwatch-deps-complete")
    message(FATAL_ERROR
        "CREDWATCH_WINDOWS_DEPS is not a finished dependency prefix (got "
        "'${CREDWATCH_WINDOWS_DEPS}': no .credwatch-deps-complete in it). Build it with "
        "scripts/windows-deps.sh and pass -DCREDWATCH_WINDOWS_DEPS=<the path it prints>, or "
        "leave it unset to use the newest one in the cache.")
endif()
set(CREDWATCH_WINDOWS_DEPS "${CREDWATCH_WINDOWS_DEPS}" CACHE PATH
    "Prefix with the static mingw-w64 dependencies (made by scripts/windows-deps.sh)" FORCE)
set(ENV{CREDWATCH_WINDOWS_DEPS} "${CREDWATCH_WINDOWS_DEPS}")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES CREDWATCH_WINDOWS_DEPS)

# --- compilers and binutils -----------------------------------------------------------------
# The -posix variants: the default (-win32) libstdc++ has no std::thread/std::mutex.
set(CMAKE_C_COMPILER   ${CREDWATCH_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${CREDWATCH_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER  ${CREDWATCH_MINGW_TRIPLE}-windres)
# CMake cannot derive the binutils prefix from a "-gcc-posix" name: name them.
foreach(_tool ar ranlib nm objcopy objdump strip dlltool addr2line readelf)
    string(TOUPPER "${_tool}" _TOOL)
    find_program(CMAKE_${_TOOL} ${CREDWATCH_MINGW_TRIPLE}-${_tool} NO_CMAKE_FIND_ROOT_PATH)
endforeach()
unset(_tool)
unset(_TOOL)

# --- finding libraries, headers and packages ------------------------------------------------
# Only in the dependency prefix and the mingw-w64 sysroot (zlib from libz-mingw-w64-dev);
# programs (wine, python, ...) from the build host.
set(CMAKE_FIND_ROOT_PATH "${CREDWATCH_WINDOWS_DEPS}" /usr/${CREDWATCH_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Header-only libraries from Debian's -dev packages (Boost, toml++, CLI11) are symlinked into
# include-host. It is put on the compiler's search path with -idirafter, i.e. AFTER the
# mingw-w64 system headers and treated as a system directory, and never /usr/include itself
# (that would bring in glibc's headers).
set(CREDWATCH_WINDOWS_HOST_HEADERS "${CREDWATCH_WINDOWS_DEPS}/include-host")
list(APPEND CMAKE_INCLUDE_PATH "${CREDWATCH_WINDOWS_HOST_HEADERS}")   # for find_path()
set(Boost_INCLUDE_DIR "${CREDWATCH_WINDOWS_HOST_HEADERS}" CACHE PATH "Boost headers (Debian's, header-only use)")
set(Boost_NO_BOOST_CMAKE ON CACHE BOOL "Debian's BoostConfig.cmake describes the Linux build")
set(Boost_NO_SYSTEM_PATHS ON CACHE BOOL "")

# Static everything: the .exe must run on a plain Windows (and under Wine) with no mingw DLLs.
set(_credwatch_flags "-idirafter ${CREDWATCH_WINDOWS_HOST_HEADERS} -DCURL_STATICLIB")
set(CMAKE_C_FLAGS_INIT   "${_credwatch_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_credwatch_flags}")
unset(_credwatch_flags)
set(CMAKE_EXE_LINKER_FLAGS_INIT    "-static -static-libgcc -static-libstdc++")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# Hints for the find modules.
set(OPENSSL_ROOT_DIR "${CREDWATCH_WINDOWS_DEPS}" CACHE PATH "static OpenSSL 3 (mingw-w64)")
set(OPENSSL_USE_STATIC_LIBS TRUE CACHE BOOL "")
set(CURL_STATICLIB ON CACHE BOOL "libcurl is a static library (CURL::libcurl carries -DCURL_STATICLIB)")
set(wxWidgets_CONFIG_EXECUTABLE "${CREDWATCH_WINDOWS_DEPS}/bin/wx-config" CACHE FILEPATH "wx-config of the static wxMSW build")
set(wxWidgets_CONFIG_OPTIONS --static=yes CACHE STRING "")

# --- running what was built ------------------------------------------------------------------
# ctest, gtest_discover_tests() and add_custom_command(... COMMAND <target>) run the .exe
# under Wine. Export WINEPREFIX (and WINEDEBUG=-all to silence Wine) as you need.
find_program(CREDWATCH_WINE_EXECUTABLE NAMES wine wine64 NO_CMAKE_FIND_ROOT_PATH)
if(CREDWATCH_WINE_EXECUTABLE)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${CREDWATCH_WINE_EXECUTABLE}")
endif()
# List the GoogleTest cases when ctest runs, not as a post-build step: building then needs no
# Wine, and a first Wine start (which creates the prefix, 10-60 s) does not hit the 5 s
# discovery timeout in the middle of a build. Give gtest_discover_tests() a DISCOVERY_TIMEOUT
# of about 60 s as well, and run `wineboot -i` once before ctest in CI.
set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
