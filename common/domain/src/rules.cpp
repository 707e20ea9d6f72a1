#include "credwatch/domain/rules.hpp"

#include <algorithm>

namespace credwatch {

namespace {

int warning_window(const CredentialKind& kind) {
    if (kind.thresholds.empty()) return 0;
    return *std::max_element(kind.thresholds.begin(), kind.thresholds.end());
}

// Date rules and certificates share this: a deadline instant, its local date, days left.
void apply_deadline(Evaluation& e, TimePoint deadline, Date deadline_date,
                    const CredentialKind& kind, TimePoint now) {
    e.deadline = deadline;
    e.deadline_date = deadline_date;
    e.days_left = days_between(local_date(now), deadline_date);
    if (now >= deadline) {
        e.state = State::overdue;
        e.reason = "expired";
    } else if (*e.days_left <= warning_window(kind)) {
        e.state = State::due_soon;
        e.reason = "inside the reminder window";
    } else {
        e.state = State::ok;
    }
}

}  // namespace

int effective_limit(const Credential& credential, const CredentialKind& kind) {
    return credential.limit.value_or(kind.limit);
}

int effective_lifetime(const Credential& credential, const CredentialKind& kind) {
    return credential.lifetime_days.value_or(kind.lifetime_days);
}

Evaluation evaluate(const Credential& credential, const CredentialKind& kind, TimePoint now) {
    Evaluation e;
    e.issued = credential.issued;
    e.limit = effective_limit(credential, kind);
    switch (kind.rule) {
        case Rule::password_rotation:
        case Rule::document_age: {
            if (!credential.renewed_on) {
                e.state = State::unknown;
                e.reason = kind.rule == Rule::password_rotation ? "no password change recorded"
                                                                : "no document date recorded";
                return e;
            }
            // The credential lapses when the local day `lifetime` days after the change begins.
            Date deadline_date =
                add_days(*credential.renewed_on, effective_lifetime(credential, kind));
            apply_deadline(e, local_midnight(deadline_date), deadline_date, kind, now);
            return e;
        }
        case Rule::certificate_validity: {
            if (!credential.not_after) {
                e.state = State::unknown;
                e.reason = "certificate not found";
                return e;
            }
            apply_deadline(e, *credential.not_after, local_date(*credential.not_after), kind, now);
            return e;
        }
        case Rule::issuance_quota: {
            int remaining = e.limit - e.issued;
            if (remaining <= 0) {
                e.state = State::quota_exhausted;
                e.reason = "no issuance left";
            } else if (remaining <= warning_window(kind)) {
                e.state = State::due_soon;
                e.reason = "few issuances left";
            } else {
                e.state = State::ok;
            }
            return e;
        }
    }
    return e;
}

Evaluation evaluate_with_estimate(const Credential& credential, const CredentialKind& kind,
                                  std::optional<TimePoint> issued_at, TimePoint now) {
    if (kind.rule != Rule::certificate_validity || credential.not_after || !issued_at ||
        kind.expected_lifetime_days <= 0)
        return evaluate(credential, kind, now);
    Credential estimated = credential;
    estimated.not_after = *issued_at + std::chrono::days(kind.expected_lifetime_days);
    Evaluation e = evaluate(estimated, kind, now);
    e.estimated = true;
    e.reason = e.state == State::ok ? "estimated from the recorded issuance"
                                    : e.reason + " (estimated from the recorded issuance)";
    return e;
}

}  // namespace credwatch
