#pragma once
// The language a person reads: Japanese or English.

#include <string_view>

namespace credwatch {

enum class Lang { ja, en };

// "ja", "en", or "auto" (from the environment: LC_ALL, LC_MESSAGES, LANG; then the platform's
// user interface language).
Lang resolve_language(std::string_view setting);

namespace detail {
// The platform's user interface language: Windows' GetUserDefaultUILanguage; POSIX has none
// beyond the environment (English).
Lang platform_ui_language();
}  // namespace detail

}  // namespace credwatch
