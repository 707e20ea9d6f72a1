#pragma once
// The libcurl functions smtp_sender.cpp calls, reached through a table. On Linux libcurl is
// loaded when the first message is sent (posix/curl_library.cpp): linked at start, its
// dependency tree (nghttp2, ssh2, krb5, ldap, GnuTLS...) was mapped and relocated by every
// service even when no e-mail is configured. On Windows the table holds the statically linked
// functions (windows/curl_library.cpp).

#include "credwatch/base/error.hpp"

#include <curl/curl.h>

namespace credwatch::curl {

struct Library {
    CURLcode (*global_init)(long flags);
    CURL* (*easy_init)();
    void (*easy_cleanup)(CURL* handle);
    CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL* handle);
    CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
    const char* (*easy_strerror)(CURLcode code);
    curl_slist* (*slist_append)(curl_slist* list, const char* text);
    void (*slist_free_all)(curl_slist* list);
};

// The table, loaded on the first call and kept for the life of the process; thread-safe.
// Errc::io_error naming the library and the loader's reason when it cannot be loaded (tried
// again at the next call, so that installing it needs no restart).
Result<const Library*> library();

}  // namespace credwatch::curl
