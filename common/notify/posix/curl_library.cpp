// libcurl loaded with dlopen on the first message sent: see src/curl_library.hpp for why.

#include "curl_library.hpp"

#include "credwatch/platform/posix_symbols.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstring>
#include <mutex>
#include <string>

namespace credwatch::curl {

namespace {

// The ABI of libcurl 7.16 and later (Debian: libcurl4, installed with libcurl4-openssl-dev).
constexpr const char* kSoname = "libcurl.so.4";

std::string loader_error() {
    const char* reason = ::dlerror();
    return reason ? reason : "unknown reason";
}

}  // namespace

Result<const Library*> library() {
    static std::mutex mutex;
    static Library table{};
    static bool loaded = false;

    const std::lock_guard lock(mutex);
    if (loaded) return &table;
    ::dlerror();  // clear a stale message
    void* handle = ::dlopen(kSoname, RTLD_NOW | RTLD_LOCAL);
    if (!handle)
        return make_error(Errc::io_error, fmt::format("cannot load {}, needed to send e-mail: {}",
                                                      kSoname, loader_error()));
    Library candidate{};
    const char* missing = nullptr;
    auto get = [&](const char* name, auto& function) {
        if (!missing && !platform::resolve_symbol(handle, name, function)) missing = name;
    };
    get("curl_global_init", candidate.global_init);
    get("curl_easy_init", candidate.easy_init);
    get("curl_easy_cleanup", candidate.easy_cleanup);
    get("curl_easy_setopt", candidate.easy_setopt);
    get("curl_easy_perform", candidate.easy_perform);
    get("curl_easy_getinfo", candidate.easy_getinfo);
    get("curl_easy_strerror", candidate.easy_strerror);
    get("curl_slist_append", candidate.slist_append);
    get("curl_slist_free_all", candidate.slist_free_all);
    if (missing) {
        std::string reason = loader_error();
        ::dlclose(handle);
        return make_error(Errc::io_error, fmt::format("{} lacks {}, needed to send e-mail: {}",
                                                      kSoname, missing, reason));
    }
    // The handle stays open: curl keeps global state (curl_global_init) until the process ends.
    table = candidate;
    loaded = true;
    return &table;
}

}  // namespace credwatch::curl
