// One SMTP conversation with libcurl (Linux: OpenSSL; Windows: Schannel and the Windows trust
// store). The password is handed to curl and to nothing else: curl's error texts do not hold it.
// curl is called through curl::library(): on Linux it is loaded only when a message is sent.

#include "credwatch/notify/smtp.hpp"

#include "curl_library.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace credwatch {

namespace {

void global_init(const curl::Library& api) {
    // curl_global_init is not thread-safe before curl 7.84: once, whoever calls first.
    static std::once_flag once;
    std::call_once(once, [&api] { api.global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
    const curl::Library* api;
    void operator()(CURL* c) const noexcept { api->easy_cleanup(c); }
};
struct SlistDeleter {
    const curl::Library* api;
    void operator()(curl_slist* l) const noexcept { api->slist_free_all(l); }
};

struct Upload {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t room = size * count;
    const std::size_t n = std::min(room, upload->data.size() - upload->offset);
    if (n > 0) std::memcpy(buffer, upload->data.data() + upload->offset, n);
    upload->offset += n;
    return n;
}

int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel && cancel->load() ? 1 : 0;
}

std::string url_of(const SmtpOptions& o) {
    const int port = o.port > 0 ? o.port : default_smtp_port(o.security);
    const bool ipv6 = o.host.find(':') != std::string::npos && o.host.front() != '[';
    return fmt::format("{}://{}{}{}:{}", o.security == SmtpSecurity::implicit ? "smtps" : "smtp",
                       ipv6 ? "[" : "", o.host, ipv6 ? "]" : "", port);
}

}  // namespace

std::string_view to_string(SmtpSecurity security) noexcept {
    switch (security) {
        case SmtpSecurity::starttls:
            return "starttls";
        case SmtpSecurity::implicit:
            return "implicit";
        case SmtpSecurity::none:
            return "none";
    }
    return "starttls";
}

std::optional<SmtpSecurity> smtp_security_from_string(std::string_view text) noexcept {
    if (text == "starttls") return SmtpSecurity::starttls;
    if (text == "implicit") return SmtpSecurity::implicit;
    if (text == "none") return SmtpSecurity::none;
    return std::nullopt;
}

int default_smtp_port(SmtpSecurity security) noexcept {
    switch (security) {
        case SmtpSecurity::starttls:
            return 587;
        case SmtpSecurity::implicit:
            return 465;
        case SmtpSecurity::none:
            return 25;
    }
    return 587;
}

Status smtp_send(const SmtpOptions& options, std::string_view envelope_from,
                 const std::vector<std::string>& recipients, std::string_view message) {
    if (options.host.empty())
        return make_error(Errc::invalid_argument, "no SMTP server configured");
    if (recipients.empty())
        return make_error(Errc::invalid_argument, "the message has no recipient");
    auto loaded = curl::library();
    if (!loaded) return loaded.error();
    const curl::Library& api = **loaded;
    global_init(api);
    std::unique_ptr<CURL, EasyDeleter> curl(api.easy_init(), EasyDeleter{&api});
    if (!curl) return make_error(Errc::internal, "curl_easy_init failed");
    CURL* c = curl.get();

    const std::string url = url_of(options);
    const std::string from = "<" + std::string(envelope_from) + ">";
    std::unique_ptr<curl_slist, SlistDeleter> rcpt(nullptr, SlistDeleter{&api});
    for (const auto& r : recipients) {
        curl_slist* next = api.slist_append(rcpt.get(), ("<" + r + ">").c_str());
        if (!next) return make_error(Errc::internal, "curl_slist_append failed");
        (void)rcpt.release();
        rcpt.reset(next);
    }
    Upload upload{message, 0};
    char error_buffer[CURL_ERROR_SIZE] = {};

    auto set = [&](CURLoption option, auto value) { return api.easy_setopt(c, option, value); };
    CURLcode rc = CURLE_OK;
    auto apply = [&](CURLcode r) {
        if (rc == CURLE_OK) rc = r;
    };
    apply(set(CURLOPT_ERRORBUFFER, error_buffer));
    apply(set(CURLOPT_URL, url.c_str()));
    apply(set(CURLOPT_NOSIGNAL, 1L));  // called on a worker thread
    apply(set(CURLOPT_MAIL_FROM, from.c_str()));
    apply(set(CURLOPT_MAIL_RCPT, rcpt.get()));
    apply(set(CURLOPT_UPLOAD, 1L));
    apply(set(CURLOPT_READFUNCTION, &read_message));
    apply(set(CURLOPT_READDATA, &upload));
    apply(set(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size())));
    apply(set(CURLOPT_CONNECTTIMEOUT, static_cast<long>(options.connect_timeout.count())));
    apply(set(CURLOPT_TIMEOUT, static_cast<long>(options.timeout.count())));
    apply(set(CURLOPT_USE_SSL,
              static_cast<long>(options.security == SmtpSecurity::none ? CURLUSESSL_NONE
                                                                       : CURLUSESSL_ALL)));
    apply(set(CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L));
    apply(set(CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L));
    if (!options.ca_file.empty()) apply(set(CURLOPT_CAINFO, options.ca_file.c_str()));
#ifdef _WIN32
    // Schannel: a closed network rarely reaches the CA's revocation list; check it when it can.
    apply(set(CURLOPT_SSL_OPTIONS, static_cast<long>(CURLSSLOPT_REVOKE_BEST_EFFORT)));
#endif
    if (!options.username.empty()) {
        apply(set(CURLOPT_USERNAME, options.username.c_str()));
        apply(set(CURLOPT_PASSWORD, options.password.c_str()));
    }
    if (options.cancel) {
        apply(set(CURLOPT_NOPROGRESS, 0L));
        apply(set(CURLOPT_XFERINFOFUNCTION, &check_cancel));
        apply(set(CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(options.cancel)));
    }
    if (rc != CURLE_OK)
        return make_error(Errc::internal,
                          fmt::format("curl_easy_setopt failed: {}", api.easy_strerror(rc)));

    rc = api.easy_perform(c);
    if (rc == CURLE_OK) return {};
    long response = 0;
    api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    std::string detail =
        error_buffer[0] ? std::string(error_buffer) : std::string(api.easy_strerror(rc));
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
    // Never the password; the user name is not a secret and helps with AUTH failures.
    std::string message_text = fmt::format(
        "SMTP {} ({}): {} (curl error {}{})", url, to_string(options.security), detail,
        static_cast<int>(rc), response > 0 ? fmt::format(", server reply {}", response) : "");
    if (!options.password.empty()) {  // belt and braces: curl does not echo it
        for (auto pos = message_text.find(options.password); pos != std::string::npos;
             pos = message_text.find(options.password, pos + 3))
            message_text.replace(pos, options.password.size(), "***");
    }
    return make_error(Errc::io_error, std::move(message_text));
}

}  // namespace credwatch
