#pragma once
// Private helpers for the Windows code of credwatch (common/*/windows and service/windows):
// UTF-8 <-> UTF-16, RAII owners of Win32 handles, and errors that name the failing call.
// Never included by portable code.

#include "credwatch/base/error.hpp"

#include <windows.h>
// After windows.h, which they need (this line keeps clang-format from sorting them first).
#include <wincrypt.h>
#include <winsvc.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace credwatch::win {

// UTF-8 <-> UTF-16 (MultiByteToWideChar / WideCharToMultiByte). Invalid UTF-8 becomes U+FFFD.
std::wstring widen(std::string_view utf8);
std::string narrow(std::wstring_view utf16);

// FormatMessageW text of a Win32 error code, UTF-8, trailing ".\r\n" removed.
std::string error_text(DWORD code);

// Logs "<call> failed: error <code> (<text>)" with `context` and returns it as an Error.
// Use right after the failing call: `return win::fail(Errc::io_error, "CreateFileW", path);`
Error fail(Errc code, std::string_view call, std::string_view context,
           DWORD last_error = GetLastError());

// --- RAII ------------------------------------------------------------------------------------
template <class T, class Traits>
class Owner {
  public:
    Owner() noexcept = default;
    explicit Owner(T value) noexcept : value_(value) {}
    ~Owner() { reset(); }
    Owner(Owner&& other) noexcept : value_(other.release()) {}
    Owner& operator=(Owner&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    Owner(const Owner&) = delete;
    Owner& operator=(const Owner&) = delete;

    T get() const noexcept { return value_; }
    explicit operator bool() const noexcept { return Traits::valid(value_); }
    T release() noexcept {
        T v = value_;
        value_ = Traits::invalid();
        return v;
    }
    void reset(T value = Traits::invalid()) noexcept {
        if (Traits::valid(value_)) Traits::close(value_);
        value_ = value;
    }
    // For out-parameters: `RegOpenKeyExW(..., key.put())`.
    T* put() noexcept {
        reset();
        return &value_;
    }

  private:
    T value_ = Traits::invalid();
};

struct HandleTraits {  // CreateFileW, CreateNamedPipeW, CreateEventW, OpenProcessToken...
    static HANDLE invalid() noexcept { return nullptr; }
    static bool valid(HANDLE h) noexcept { return h != nullptr && h != INVALID_HANDLE_VALUE; }
    static void close(HANDLE h) noexcept { ::CloseHandle(h); }
};
struct ScHandleTraits {
    static SC_HANDLE invalid() noexcept { return nullptr; }
    static bool valid(SC_HANDLE h) noexcept { return h != nullptr; }
    static void close(SC_HANDLE h) noexcept { ::CloseServiceHandle(h); }
};
struct CertStoreTraits {
    static HCERTSTORE invalid() noexcept { return nullptr; }
    static bool valid(HCERTSTORE h) noexcept { return h != nullptr; }
    static void close(HCERTSTORE h) noexcept { ::CertCloseStore(h, 0); }
};
struct CertContextTraits {
    static PCCERT_CONTEXT invalid() noexcept { return nullptr; }
    static bool valid(PCCERT_CONTEXT c) noexcept { return c != nullptr; }
    static void close(PCCERT_CONTEXT c) noexcept { ::CertFreeCertificateContext(c); }
};
struct HKeyTraits {
    static HKEY invalid() noexcept { return nullptr; }
    static bool valid(HKEY k) noexcept { return k != nullptr; }
    static void close(HKEY k) noexcept { ::RegCloseKey(k); }
};
struct EventSourceTraits {
    static HANDLE invalid() noexcept { return nullptr; }
    static bool valid(HANDLE h) noexcept { return h != nullptr; }
    static void close(HANDLE h) noexcept { ::DeregisterEventSource(h); }
};

using UniqueHandle = Owner<HANDLE, HandleTraits>;
using UniqueScHandle = Owner<SC_HANDLE, ScHandleTraits>;
using UniqueCertStore = Owner<HCERTSTORE, CertStoreTraits>;
using UniqueCertContext = Owner<PCCERT_CONTEXT, CertContextTraits>;
using UniqueHKey = Owner<HKEY, HKeyTraits>;
using UniqueEventSource = Owner<HANDLE, EventSourceTraits>;

// Memory the system allocated for us with LocalAlloc (FormatMessageW, ConvertSid..., SDDL).
struct LocalFreeDeleter {
    void operator()(void* p) const noexcept { ::LocalFree(p); }
};
template <class T>
using LocalPtr = std::unique_ptr<T, LocalFreeDeleter>;

// --- Accounts ----------------------------------------------------------------------------------
// The TOKEN_USER of an access token (the account's SID lies inside the buffer), or empty when
// it cannot be read.
std::vector<BYTE> token_user(HANDLE token);
// The same for the token of `process` (OpenProcessToken, TOKEN_QUERY).
std::vector<BYTE> process_user(HANDLE process = ::GetCurrentProcess());
// The SID in a token_user or process_user buffer that is not empty.
PSID user_sid(const std::vector<BYTE>& token_user);

// A SID as text, "S-1-5-18"; "?" for a null SID or one that cannot be converted.
std::string sid_string(PSID sid);

// The SID of the account this process runs as (LocalSystem for the service), as "S-1-5-18";
// empty when it cannot be read. Read once: the account of a process does not change.
std::wstring process_user_sid_string();

}  // namespace credwatch::win
