/* Test helper for scripts/test-windows.sh: adds a DER certificate file to a LocalMachine
 * system store (default MY) with CertAddEncodedCertificateToStore, since Wine has no certutil.
 *   add-cert.exe FILE.der [STORE]
 * Built by the script with x86_64-w64-mingw32-gcc; not part of the product. */
#include <windows.h>
// After windows.h, which it needs.
#include <wincrypt.h>

#include <stdio.h>
#include <stdlib.h>

int wmain(int argc, wchar_t** argv) {
    if (argc < 2) {
        fwprintf(stderr, L"usage: add-cert FILE.der [STORE]\n");
        return 2;
    }
    FILE* f = _wfopen(argv[1], L"rb");
    if (!f) {
        fwprintf(stderr, L"cannot open %ls\n", argv[1]);
        return 1;
    }
    static BYTE der[65536];
    size_t n = fread(der, 1, sizeof der, f);
    fclose(f);
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0,
                                     CERT_SYSTEM_STORE_LOCAL_MACHINE, argc > 2 ? argv[2] : L"MY");
    if (!store) {
        fwprintf(stderr, L"CertOpenStore failed: %lu\n", GetLastError());
        return 1;
    }
    if (!CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, (DWORD)n,
                                          CERT_STORE_ADD_REPLACE_EXISTING, NULL)) {
        fwprintf(stderr, L"CertAddEncodedCertificateToStore failed: %lu\n", GetLastError());
        CertCloseStore(store, 0);
        return 1;
    }
    CertCloseStore(store, 0);
    wprintf(L"added %ls (%u bytes) to LocalMachine\\%ls\n", argv[1], (unsigned)n,
            argc > 2 ? argv[2] : L"MY");
    return 0;
}
