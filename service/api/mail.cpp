// outbox, send_test_mail: the e-mail channel's requests (the sending loop is the Notifier's).

#include "api.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/notify/mail.hpp"
#include "credwatch/notify/smtp.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace credwatch::api {

namespace json = boost::json;

namespace {

json::value optional_time(const std::optional<TimePoint>& t) {
    return t ? json::value(format_utc(*t)) : json::value(nullptr);
}

std::string status_of(const OutboxEntry& e) {
    if (e.sent_at) return e.kind == "digest_item" ? "in_digest" : "sent";
    if (!e.next_attempt_at) return "held";
    if (!e.last_error.empty()) return "retrying";
    return "queued";
}

bool flag(const Params& params, std::string_view key) {
    const auto* v = params.if_contains(key);
    return v && v->is_bool() && v->as_bool();
}

json::array recipients_of(const std::vector<std::string>& recipients) {
    json::array out;
    for (const auto& r : recipients) out.emplace_back(r);
    return out;
}

Reply no_mail_channel(std::string_view method) {
    return make_error(Errc::protocol_error, fmt::format("unknown method \"{}\"", method));
}

}  // namespace

Reply outbox(Context& context, const Params& params, const Peer&) {
    if (!context.notifier) return no_mail_channel("outbox");
    const EmailSettings& email = context.notifier->email();
    auto limit = protocol::optional_int(params, "limit");
    if (!limit) return limit.error();
    const auto n = static_cast<std::size_t>(std::clamp<std::int64_t>(limit->value_or(50), 1, 1000));
    auto list = context.store.outbox(n, flag(params, "unsent"));
    if (!list) return list.error();
    auto counts = context.store.outbox_counts();
    if (!counts) return counts.error();
    const bool with_body = flag(params, "body");
    json::array messages;
    for (const auto& e : *list) {
        json::object o{
            {"id", e.id},
            {"kind", e.kind},
            {"status", status_of(e)},
            {"reminder", e.reminder_id ? json::value(*e.reminder_id) : json::value(nullptr)},
            {"created_at", format_utc(e.created_at)},
            {"recipients", recipients_of(e.recipients)},
            {"subject", e.subject},
            {"attempts", e.attempts},
            {"next_attempt_at", optional_time(e.sent_at ? std::nullopt : e.next_attempt_at)},
            {"last_attempt_at", optional_time(e.last_attempt_at)},
            {"last_error", e.last_error},
            {"sent_at", optional_time(e.sent_at)},
            {"digest", e.digest_id ? json::value(*e.digest_id) : json::value(nullptr)}};
        if (with_body) o["body"] = e.body;
        messages.push_back(std::move(o));
    }
    return json::value(json::object{
        {"enabled", email.enabled},
        {"mode", email.mode},
        {"server",
         email.smtp_host.empty()
             ? std::string()
             : fmt::format("{}:{} ({})", email.smtp_host,
                           email.smtp_port > 0
                               ? email.smtp_port
                               : default_smtp_port(smtp_security_from_string(email.tls).value_or(
                                     SmtpSecurity::starttls)),
                           email.tls)},
        {"to", recipients_of(email.to)},
        {"pending", counts->pending},
        {"failing", counts->failing},
        {"held", counts->held},
        {"messages", std::move(messages)}});
}

Reply send_test_mail(Context& context, const Params&, const Peer& peer) {
    if (!context.notifier) return no_mail_channel("send_test_mail");
    Notifier& notifier = *context.notifier;
    if (!notifier.email().enabled)
        return make_error(Errc::invalid_argument,
                          "e-mail is not enabled: set enabled = true in the [email] table of the "
                          "site configuration and reload");
    const ReminderText text =
        mail::test_text(notifier.mail_language(), notifier.host(), notifier.organisation());
    OutboxMessage m;
    m.kind = "test";
    m.recipients = notifier.email().to;
    m.subject = text.subject;
    m.body = text.body;
    auto id = context.store.queue_mail(m);
    if (!id) return id.error();
    spdlog::info("test e-mail {} queued by {}", *id, peer.user);
    notifier.mail_queued();
    return json::value(json::object{{"queued", *id}, {"to", recipients_of(notifier.email().to)}});
}

}  // namespace credwatch::api
