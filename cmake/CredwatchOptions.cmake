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
if(WIN32)
    # Unicode Win32 API everywhere; UTF-8 stays inside the program.
    target_compile_definitions(credwatch_options INTERFACE UNICODE _UNICODE WIN32_LEAN_AND_MEAN
        NOMINMAX _WIN32_WINNT=0x0A00)
endif()
