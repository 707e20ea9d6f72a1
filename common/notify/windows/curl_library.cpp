// Windows: libcurl is linked statically (scripts/windows-deps.sh), so the table holds its
// functions; the loader's start-up cost of a DLL tree is not the issue here that it is on Linux.

#include "curl_library.hpp"

namespace credwatch::curl {

Result<const Library*> library() {
    // Taking the addresses: curl_easy_setopt and curl_easy_getinfo may be function-like macros
    // (typecheck-gcc.h), which a name without an argument list does not expand.
    static const Library table{
        .global_init = &curl_global_init,
        .easy_init = &curl_easy_init,
        .easy_cleanup = &curl_easy_cleanup,
        .easy_setopt = &curl_easy_setopt,
        .easy_perform = &curl_easy_perform,
        .easy_getinfo = &curl_easy_getinfo,
        .easy_strerror = &curl_easy_strerror,
        .slist_append = &curl_slist_append,
        .slist_free_all = &curl_slist_free_all,
    };
    return &table;
}

}  // namespace credwatch::curl
