/* Test helper for scripts/test-windows.sh: formats every event message of credwatch-service.exe
 * (its message table, compiled from service/windows/messages.mc) in English and Japanese, the
 * way the Event Viewer does with EventMessageFile. Prints "ID LANG TEXT" per line, UTF-8.
 *   msg-check.exe PATH\credwatch-service.exe */
#include <windows.h>

#include <stdio.h>

static const DWORD ids[] = {1000, 1001, 1002, 1100, 1101, 1102, 1103, 1104, 1105, 1200, 1201,
                            1202, 1203, 1204, 1300, 2001, 2002, 2003, 2004, 2010, 2011};

int wmain(int argc, wchar_t** argv) {
    if (argc < 2) return 2;
    HMODULE m = LoadLibraryExW(argv[1], NULL, LOAD_LIBRARY_AS_DATAFILE);
    if (!m) {
        fprintf(stderr, "LoadLibraryExW failed: %lu\n", GetLastError());
        return 1;
    }
    static const DWORD severities[] = {0x40000000u, 0x80000000u, 0xC0000000u, 0};
    int missing = 0;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; ++i) {
        for (int lang = 0; lang < 2; ++lang) {
            WORD langid = lang ? MAKELANGID(LANG_JAPANESE, SUBLANG_DEFAULT)
                               : MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US);
            wchar_t buf[2048];
            DWORD n = 0;
            DWORD_PTR args[8] = {(DWORD_PTR)L"A1", (DWORD_PTR)L"A2", (DWORD_PTR)L"A3",
                                 (DWORD_PTR)L"A4", (DWORD_PTR)L"A5", (DWORD_PTR)L"A6",
                                 (DWORD_PTR)L"A7", (DWORD_PTR)L"A8"};
            for (int s = 0; s < 4 && n == 0; ++s)
                n = FormatMessageW(FORMAT_MESSAGE_FROM_HMODULE | FORMAT_MESSAGE_ARGUMENT_ARRAY, m,
                                   ids[i] | severities[s], langid, buf, 2048, (va_list*)args);
            if (n == 0) {
                printf("%lu %s MISSING (error %lu)\n", ids[i], lang ? "ja" : "en", GetLastError());
                ++missing;
                continue;
            }
            for (DWORD k = 0; k < n; ++k)
                if (buf[k] == L'\r' || buf[k] == L'\n') buf[k] = L' ';
            char utf8[8192];
            int len =
                WideCharToMultiByte(CP_UTF8, 0, buf, (int)n, utf8, sizeof utf8 - 1, NULL, NULL);
            utf8[len > 0 ? len : 0] = 0;
            printf("%lu %s %s\n", ids[i], lang ? "ja" : "en", utf8);
        }
    }
    FreeLibrary(m);
    return missing ? 1 : 0;
}
