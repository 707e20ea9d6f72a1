#include "credwatch/domain/model.hpp"

#include <array>
#include <utility>

namespace credwatch {

namespace {
constexpr std::array<std::pair<Rule, std::string_view>, 4> kRules{{
    {Rule::password_rotation, "password_rotation"},
    {Rule::certificate_validity, "certificate_validity"},
    {Rule::issuance_quota, "issuance_quota"},
    {Rule::document_age, "document_age"},
}};
constexpr std::array<std::pair<State, std::string_view>, 5> kStates{{
    {State::unknown, "unknown"},
    {State::ok, "ok"},
    {State::due_soon, "due_soon"},
    {State::overdue, "overdue"},
    {State::quota_exhausted, "quota_exhausted"},
}};

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
    for (const auto& [v, name] : table)
        if (v == value) return name;
    return "?";
}
template <class E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view text) {
    for (const auto& [v, name] : table)
        if (name == text) return v;
    return std::nullopt;
}
}  // namespace

std::string_view to_string(Rule rule) noexcept {
    return name_of(kRules, rule);
}
std::optional<Rule> rule_from_string(std::string_view text) noexcept {
    return value_of(kRules, text);
}
std::string_view to_string(State state) noexcept {
    return name_of(kStates, state);
}
std::optional<State> state_from_string(std::string_view text) noexcept {
    return value_of(kStates, text);
}

int severity(State state) noexcept {
    switch (state) {
        case State::ok:
            return 0;
        case State::unknown:
            return 1;
        case State::due_soon:
            return 2;
        case State::overdue:
        case State::quota_exhausted:
            return 3;
    }
    return 1;
}

}  // namespace credwatch
