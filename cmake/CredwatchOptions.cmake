# One INTERFACE target that every credwatch target links: language level and warnings.
add_library(credwatch_options INTERFACE)
target_compile_features(credwatch_options INTERFACE cxx_std_20)
if(MSVC)
    target_compile_options(credwatch_options INTERFACE /W4 /permissive- /utf-8)
else()
    target_compile_options(credwatch_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
        -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
        -Wformat=2)
endif()
# CI builds fail on any warning; local builds only show them (default from the CI variable
# that CI services set, override with -DCREDWATCH_WARNINGS_AS_ERRORS=ON/OFF).
if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" MATCHES "^(0|false|FALSE|no|NO)$")
    set(_credwatch_werror_default ON)
else()
    set(_credwatch_werror_default OFF)
endif()
option(CREDWATCH_WARNINGS_AS_ERRORS "Turn compiler warnings into errors"
    ${_credwatch_werror_default})
unset(_credwatch_werror_default)
if(CREDWATCH_WARNINGS_AS_ERRORS)
    if(MSVC)
        target_compile_options(credwatch_options INTERFACE /WX)
    else()
        target_compile_options(credwatch_options INTERFACE -Werror)
    endif()
endif()
if(WIN32)
    # Unicode Win32 API everywhere; UTF-8 stays inside the program.
    target_compile_definitions(credwatch_options INTERFACE UNICODE _UNICODE WIN32_LEAN_AND_MEAN
        NOMINMAX _WIN32_WINNT=0x0A00)
endif()
