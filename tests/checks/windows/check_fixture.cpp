// Test fixture for tests/integration/doctor_wine.sh (Windows only, not part of the product): puts
// what the doctor's Windows checks look for in place, through the same APIs Windows' own tools
// use, since Wine has no cmdkey, certutil or netsh winhttp.
//   check-fixture cred-write TARGET USER SECRET   generic credential (CredWriteW, persisted)
//   check-fixture cred-delete TARGET
//   check-fixture add-cert FILE.der STORE [--key]  into CurrentUser\STORE; --key sets a
//                                                  key-provider property (no key is stored)
//   check-fixture winhttp-proxy SERVER BYPASS     WinHTTP's default proxy ("direct": none)
#include <windows.h>
// After windows.h, which they need.
#include <wincred.h>
#include <wincrypt.h>
#include <winhttp.h>

#include <cstdio>
#include <cwchar>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

int fail(const wchar_t* call) {
    std::fwprintf(stderr, L"%ls failed: %lu\n", call, GetLastError());
    return 1;
}

int cred_write(const wchar_t* target, const wchar_t* user, const wchar_t* secret) {
    CREDENTIALW credential{};
    credential.Type = CRED_TYPE_GENERIC;
    credential.TargetName = const_cast<wchar_t*>(target);
    credential.UserName = const_cast<wchar_t*>(user);
    credential.CredentialBlobSize = static_cast<DWORD>(std::wcslen(secret) * sizeof(wchar_t));
    credential.CredentialBlob = reinterpret_cast<BYTE*>(const_cast<wchar_t*>(secret));
    credential.Persist = CRED_PERSIST_LOCAL_MACHINE;
    return CredWriteW(&credential, 0) ? 0 : fail(L"CredWriteW");
}

int add_cert(const wchar_t* file, const wchar_t* store_name, bool key) {
    std::ifstream in(file, std::ios::binary);
    std::vector<char> der((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (der.empty()) return fail(L"reading the certificate");
    HCERTSTORE store =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_CURRENT_USER, store_name);
    if (!store) return fail(L"CertOpenStore");
    PCCERT_CONTEXT added = nullptr;
    BOOL ok = CertAddEncodedCertificateToStore(
        store, X509_ASN_ENCODING, reinterpret_cast<const BYTE*>(der.data()),
        static_cast<DWORD>(der.size()), CERT_STORE_ADD_REPLACE_EXISTING, &added);
    if (ok && key) {
        CRYPT_KEY_PROV_INFO info{};
        info.pwszContainerName = const_cast<wchar_t*>(L"credwatch-test");
        info.pwszProvName = const_cast<wchar_t*>(MS_ENHANCED_PROV_W);
        info.dwProvType = PROV_RSA_FULL;
        info.dwKeySpec = AT_KEYEXCHANGE;
        ok = CertSetCertificateContextProperty(added, CERT_KEY_PROV_INFO_PROP_ID, 0, &info);
    }
    const DWORD error = GetLastError();
    if (added) CertFreeCertificateContext(added);
    CertCloseStore(store, 0);
    SetLastError(error);
    return ok ? 0 : fail(L"adding the certificate");
}

int winhttp_proxy(const wchar_t* server, const wchar_t* bypass) {
    WINHTTP_PROXY_INFO info{};
    const bool direct = std::wcscmp(server, L"direct") == 0;
    info.dwAccessType = direct ? WINHTTP_ACCESS_TYPE_NO_PROXY : WINHTTP_ACCESS_TYPE_NAMED_PROXY;
    info.lpszProxy = direct ? nullptr : const_cast<wchar_t*>(server);
    info.lpszProxyBypass = direct ? nullptr : const_cast<wchar_t*>(bypass);
    return WinHttpSetDefaultProxyConfiguration(&info)
               ? 0
               : fail(L"WinHttpSetDefaultProxyConfiguration");
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
    const std::wstring command = argc > 1 ? argv[1] : L"";
    if (command == L"cred-write" && argc == 5) return cred_write(argv[2], argv[3], argv[4]);
    if (command == L"cred-delete" && argc == 3)
        return CredDeleteW(argv[2], CRED_TYPE_GENERIC, 0) ? 0 : fail(L"CredDeleteW");
    if (command == L"add-cert" && (argc == 4 || argc == 5))
        return add_cert(argv[2], argv[3], argc == 5 && std::wcscmp(argv[4], L"--key") == 0);
    if (command == L"winhttp-proxy" && argc == 4) return winhttp_proxy(argv[2], argv[3]);
    std::fwprintf(stderr,
                  L"usage: check-fixture cred-write TARGET USER SECRET | cred-delete "
                  L"TARGET | add-cert FILE.der STORE [--key] | winhttp-proxy SERVER "
                  L"BYPASS\n");
    return 2;
}
