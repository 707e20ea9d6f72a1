#pragma once
// Functions of a library loaded with dlopen (libcurl at the first e-mail, libsystemd under
// systemd), for posix/ files only.

#include <dlfcn.h>

#include <cstring>

namespace credwatch::platform {

// dlsym gives an object pointer; copying its bytes avoids a cast between object and function
// pointers (conditionally supported in ISO C++, always valid with POSIX). False when missing.
template <typename Function>
bool resolve_symbol(void* handle, const char* name, Function& function) {
    void* symbol = ::dlsym(handle, name);
    if (!symbol) return false;
    static_assert(sizeof function == sizeof symbol);
    std::memcpy(&function, &symbol, sizeof function);
    return true;
}

}  // namespace credwatch::platform
