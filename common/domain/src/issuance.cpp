#include "credwatch/domain/issuance.hpp"

namespace credwatch {

std::string_view to_string(IssuanceHow how) {
    switch (how) {
        case IssuanceHow::recorded:
            return "recorded";
        case IssuanceHow::seen:
            return "seen";
        case IssuanceHow::stated:
            return "stated";
    }
    return "recorded";
}

std::optional<IssuanceHow> parse_issuance_how(std::string_view text) {
    for (IssuanceHow how : {IssuanceHow::recorded, IssuanceHow::seen, IssuanceHow::stated})
        if (to_string(how) == text) return how;
    return std::nullopt;
}

}  // namespace credwatch
