#!/usr/bin/env bash
# Checks that every tracked C++ file is formatted as .clang-format says. Prints the files that
# are not (and, with -v, clang-format's diagnostics) and exits 1 when there is one; changes
# nothing. Fix with: clang-format -i <file>...
#
#   scripts/check-format.sh [-v] [file...]   (default: git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
#   CLANG_FORMAT=clang-format-15 scripts/check-format.sh
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 2
verbose=0
if [[ ${1:-} == -v ]]; then verbose=1; shift; fi
clang_format=${CLANG_FORMAT:-clang-format}
if ! command -v "$clang_format" >/dev/null 2>&1; then
    echo "check-format: $clang_format not found (install the clang-format package)" >&2
    exit 2
fi

if (($# > 0)); then
    files=("$@")
else
    mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
fi

unformatted=()
for f in "${files[@]}"; do
    if ! out=$("$clang_format" --style="file:$root/.clang-format" --dry-run --Werror "$f" 2>&1); then
        unformatted+=("$f")
        ((verbose)) && printf '%s\n' "$out" >&2
    fi
done

if ((${#unformatted[@]} > 0)); then
    echo "check-format: ${#unformatted[@]} of ${#files[@]} C++ files are not formatted ($("$clang_format" --version | head -1)):"
    printf '  %s\n' "${unformatted[@]}"
    echo "check-format: fix with: $clang_format -i <file>..."
    exit 1
fi
echo "check-format: all ${#files[@]} C++ files formatted"
