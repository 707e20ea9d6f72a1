#include "credwatch/domain/reminders.hpp"

#include <algorithm>

namespace credwatch {

namespace {

DueReminder make_due(const Credential& c, const Evaluation& e, std::string key) {
    DueReminder due;
    due.credential_id = c.id;
    due.generation = c.generation;
    due.key = std::move(key);
    due.state = e.state;
    due.days_left = e.days_left;
    due.deadline = e.deadline;
    due.issued = e.issued;
    due.limit = e.limit;
    return due;
}

// The most urgent crossed threshold fires unless already fired; the others are superseded.
std::optional<DueReminder> crossed(const Credential& c, const Evaluation& e,
                                   const std::vector<int>& thresholds, int value, char prefix,
                                   const std::set<std::string>& fired) {
    std::vector<int> hit;
    for (int t : thresholds)
        if (value <= t) hit.push_back(t);
    if (hit.empty()) return std::nullopt;
    std::sort(hit.begin(), hit.end());
    auto key_of = [prefix](int t) { return std::string(1, prefix) + std::to_string(t); };
    std::string most_urgent = key_of(hit.front());
    if (fired.contains(most_urgent)) return std::nullopt;
    DueReminder due = make_due(c, e, most_urgent);
    for (std::size_t i = 1; i < hit.size(); ++i) {
        std::string k = key_of(hit[i]);
        if (!fired.contains(k)) due.superseded.push_back(k);
    }
    return due;
}

}  // namespace

std::optional<DueReminder> due_reminder(const Credential& credential, const CredentialKind& kind,
                                        const Evaluation& evaluation, Date today,
                                        const std::set<std::string>& fired) {
    if (kind.rule == Rule::issuance_quota) {
        return crossed(credential, evaluation, kind.thresholds,
                       evaluation.limit - evaluation.issued, 'q', fired);
    }
    if (!evaluation.deadline_date || !evaluation.days_left) return std::nullopt;

    if (evaluation.state == State::overdue) {
        std::string key = "overdue";
        if (kind.overdue_repeat_days > 0) {
            int over = std::max(0, days_between(*evaluation.deadline_date, today));
            int period_start = over - over % kind.overdue_repeat_days;
            key += ":" + format_date(add_days(*evaluation.deadline_date, period_start));
        }
        if (fired.contains(key)) return std::nullopt;
        DueReminder due = make_due(credential, evaluation, key);
        for (int t : kind.thresholds) {
            std::string k = "d" + std::to_string(t);
            if (!fired.contains(k)) due.superseded.push_back(k);
        }
        return due;
    }
    return crossed(credential, evaluation, kind.thresholds, *evaluation.days_left, 'd', fired);
}

}  // namespace credwatch
