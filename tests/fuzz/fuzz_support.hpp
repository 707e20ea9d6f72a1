#pragma once
// Shared by the fuzz entry points: the libFuzzer signature, quiet logging, the input as text.

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace credwatch::fuzz {

// Parse failures are logged by the readers; at thousands of inputs a second that is noise.
inline void silence_logging() {
    static const bool once = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)once;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// A reader may fail on any input, but never with an empty message: the user must learn what
// was wrong. Aborts so that libFuzzer and the replay test report the input.
template <class R>
void check_error_has_message(const R& result) {
    if (!result && result.error().message.empty()) __builtin_trap();
}

}  // namespace credwatch::fuzz
