# Third-party libraries. On Linux they come from Debian's -dev packages; for the Windows
# cross build the toolchain file points CMAKE_PREFIX_PATH at the cached static builds.
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED)            # header-only: Asio, JSON (src.hpp), System
find_package(OpenSSL 3.0 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)                 # SMTP for the e-mail reminders
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_path(TOMLPLUSPLUS_INCLUDE_DIR toml++/toml.h REQUIRED)
find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)

add_library(credwatch_thirdparty_headers INTERFACE)
target_include_directories(credwatch_thirdparty_headers SYSTEM INTERFACE
    ${TOMLPLUSPLUS_INCLUDE_DIR} ${CLI11_INCLUDE_DIR})
