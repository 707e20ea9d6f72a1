#!/usr/bin/env bash
# Build (or reuse) the static Windows dependencies of credwatch with mingw-w64.
#
# Debian ships no mingw builds of OpenSSL, SQLite, libcurl, wxWidgets, fmt, spdlog or
# GoogleTest, so this script builds them as static libraries from Debian's own source
# packages (bookworm main, fetched with `apt-get source` through a private apt
# configuration: the system's apt setup is never touched) into a cache folder outside the
# source tree:
#
#   ${CREDWATCH_DEPS_CACHE:-$HOME/.cache/credwatch}/windows-deps-<key>
#
# <key> is derived from the source package versions, the mingw-w64 compiler version and
# SCRIPT_REVISION below. A prefix is only reused when its stamp file (written last) is
# present; a half-finished build is resumed library by library (each library has its own
# stamp, so the library that was being built when it stopped is built again).
#
# Progress goes to stderr; stdout gets exactly one line, the prefix, so callers can do
#   prefix=$(scripts/windows-deps.sh | tail -1)
#
# Options / environment:
#   --rebuild            (CREDWATCH_DEPS_REBUILD=1) delete the prefix for the current key and build again
#   --offline            (CREDWATCH_DEPS_OFFLINE=1) do not refresh the Debian source index; use the cached one
#   --no-install         (CREDWATCH_DEPS_NO_INSTALL=1) never call apt-get install; fail if a package is missing
#   --keep-work          (CREDWATCH_DEPS_KEEP_WORK=1) keep the unpacked sources and build trees
#   --print-key          print the cache key and exit
#   CREDWATCH_DEPS_CACHE  cache root (default $HOME/.cache/credwatch)
#   CREDWATCH_DEPS_JOBS   parallel make jobs (default: nproc)
#   CREDWATCH_DEPS_MIRROR Debian mirror for the deb-src entry (default: the one apt already uses)
#
# See docs/windows-build.md.
set -euo pipefail

# Bump when anything in here changes what ends up in the prefix (flags, options, layout).
SCRIPT_REVISION=2

TRIPLE=x86_64-w64-mingw32
WCC=${TRIPLE}-gcc-posix
WCXX=${TRIPLE}-g++-posix
SUITE=bookworm
# Debian source package -> what we call it in logs and stamps
SOURCE_PACKAGES=(openssl sqlite3 curl wxwidgets3.2 fmtlib spdlog)

REQUIRED_PACKAGES=(
    mingw-w64 g++-mingw-w64-x86-64-posix gcc-mingw-w64-x86-64-posix libz-mingw-w64-dev
    wine wine64 msitools wixl
    dpkg-dev cmake make gcc g++ perl tcl gettext xz-utils
    googletest libboost1.81-dev libtomlplusplus-dev libcli11-dev
)

CACHE_ROOT=${CREDWATCH_DEPS_CACHE:-$HOME/.cache/credwatch}
JOBS=${CREDWATCH_DEPS_JOBS:-$(nproc 2>/dev/null || echo 2)}
REBUILD=${CREDWATCH_DEPS_REBUILD:-0}
OFFLINE=${CREDWATCH_DEPS_OFFLINE:-0}
NO_INSTALL=${CREDWATCH_DEPS_NO_INSTALL:-0}
KEEP_WORK=${CREDWATCH_DEPS_KEEP_WORK:-0}
PRINT_KEY=0

for arg in "$@"; do
    case "$arg" in
        --rebuild) REBUILD=1 ;;
        --offline) OFFLINE=1 ;;
        --no-install) NO_INSTALL=1 ;;
        --keep-work) KEEP_WORK=1 ;;
        --print-key) PRINT_KEY=1 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "windows-deps: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

T0=$(date +%s)
log() { printf '[windows-deps %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[windows-deps] ERROR: %s\n' "$*" >&2; exit 1; }
fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

CURRENT_STEP=""
CURRENT_LOG=""
on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
        printf '[windows-deps] ERROR: building %s failed (exit %d).\n' "$CURRENT_STEP" "$rc" >&2
        if [ -n "$CURRENT_LOG" ] && [ -f "$CURRENT_LOG" ]; then
            printf '[windows-deps] last lines of %s:\n' "$CURRENT_LOG" >&2
            tail -n 40 "$CURRENT_LOG" | sed 's/^/    /' >&2
            printf '[windows-deps] full log: %s (work tree kept for inspection)\n' "$CURRENT_LOG" >&2
        fi
    fi
}
trap on_exit EXIT

# ---------------------------------------------------------------------------------------------
# 1. Host packages (idempotent: apt-get only runs when something is missing)
# ---------------------------------------------------------------------------------------------
ensure_packages() {
    local missing=() p st
    for p in "${REQUIRED_PACKAGES[@]}"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = installed ] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$NO_INSTALL" = 1 ]; then
        die "missing Debian packages: ${missing[*]} (install them, or run without --no-install as root)"
    fi
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
            die "missing Debian packages: ${missing[*]}; run this script as root (it calls apt-get install) or install them first"
        fi
    fi
    log "installing Debian packages: ${missing[*]}"
    local t
    t=$(date +%s)
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/tmp/windows-deps-apt.$$.log 2>&1; then
        "${sudo[@]}" apt-get update -qq >>/tmp/windows-deps-apt.$$.log 2>&1 || true
        if ! "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >>/tmp/windows-deps-apt.$$.log 2>&1; then
            tail -n 20 /tmp/windows-deps-apt.$$.log >&2
            die "apt-get install ${missing[*]} failed (log: /tmp/windows-deps-apt.$$.log)"
        fi
    fi
    rm -f /tmp/windows-deps-apt.$$.log
    log "packages installed in $(fmt_secs $(($(date +%s) - t)))"
}

# ---------------------------------------------------------------------------------------------
# 2. A private apt configuration with one deb-src entry (bookworm main)
# ---------------------------------------------------------------------------------------------
APT_DIR=$CACHE_ROOT/apt
APT_OPTS=()
setup_apt() {
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial"
    : > "$APT_DIR/status"
    local uri=${CREDWATCH_DEPS_MIRROR:-}
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
        uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(awk '$1=="deb" && $0 ~ / bookworm / {for(i=2;i<=NF;i++) if($i ~ /^[a-z]+:\/\//){print $i; exit}}' /etc/apt/sources.list)
    fi
    uri=${uri:-http://deb.debian.org/debian}
    printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$uri" "$SUITE" > "$APT_DIR/src.sources.new"
    mv -f "$APT_DIR/src.sources.new" "$APT_DIR/src.sources"
    APT_OPTS=(
        -o "Dir::Etc::SourceList=$APT_DIR/src.sources"
        -o "Dir::Etc::SourceParts=/dev/null"
        -o "Dir::State::Lists=$APT_DIR/lists"
        -o "Dir::State::status=$APT_DIR/status"
        -o "Dir::Cache=$APT_DIR/cache"
        -o "APT::Sandbox::User=$(id -un)"
    )
    local have_index=0
    ls "$APT_DIR"/lists/*_source_Sources* >/dev/null 2>&1 && have_index=1
    if [ "$OFFLINE" = 1 ]; then
        [ $have_index = 1 ] || die "--offline given but there is no cached Debian source index in $APT_DIR"
        return 0
    fi
    if ! apt-get "${APT_OPTS[@]}" -qq update >"$APT_DIR/update.log" 2>&1; then
        if [ $have_index = 1 ]; then
            log "WARNING: could not refresh the Debian source index (see $APT_DIR/update.log); using the cached one"
        else
            cat "$APT_DIR/update.log" >&2
            die "apt-get update for the deb-src entry ($uri $SUITE main) failed"
        fi
    fi
}

# All versions of a source package in the index, highest first.
source_versions() {
    local vs v out=() i
    mapfile -t vs < <(apt-cache "${APT_OPTS[@]}" showsrc --only-source "$1" 2>/dev/null | awk '/^Version:/{print $2}' | sort -u)
    # insertion sort with dpkg's version ordering (a handful of entries)
    for v in "${vs[@]}"; do
        i=${#out[@]}
        out+=("$v")
        while [ "$i" -gt 0 ] && dpkg --compare-versions "${out[$((i-1))]}" lt "$v"; do
            out[$i]=${out[$((i-1))]}; i=$((i-1))
        done
        out[$i]=$v
    done
    printf '%s\n' "${out[@]}"
}

declare -A VERSION=()
resolve_versions() {
    local p v
    for p in "${SOURCE_PACKAGES[@]}"; do
        v=$(source_versions "$p" | head -n1)
        [ -n "$v" ] || die "source package $p not found in $SUITE main (index: $APT_DIR/lists)"
        VERSION[$p]=$v
    done
    VERSION[googletest]=$(dpkg-query -W -f='${Version}' googletest)
    VERSION[mingw-gcc]=$(dpkg-query -W -f='${Version}' g++-mingw-w64-x86-64-posix)
    VERSION[mingw-w64-dev]=$(dpkg-query -W -f='${Version}' mingw-w64-x86-64-dev)
}

versions_text() {
    local p
    echo "script-revision=$SCRIPT_REVISION"
    for p in "${SOURCE_PACKAGES[@]}" googletest mingw-gcc mingw-w64-dev; do echo "$p=${VERSION[$p]}"; done
}
compute_key() { echo "r${SCRIPT_REVISION}-$(versions_text | sha256sum | cut -c1-12)"; }

# ---------------------------------------------------------------------------------------------
# 3. Sources: apt-get source --download-only, then dpkg-source -x (patches applied)
# ---------------------------------------------------------------------------------------------
SRC_CACHE=$CACHE_ROOT/sources
declare -A SRCDIR=()
fetch_sources() {
    mkdir -p "$SRC_CACHE"
    local p v ok vs
    for p in "${SOURCE_PACKAGES[@]}"; do
        ok=0
        mapfile -t vs < <(source_versions "$p")
        for v in "${vs[@]}"; do
            if (cd "$SRC_CACHE" && apt-get "${APT_OPTS[@]}" -qq source --download-only "$p=$v" >"$SRC_CACHE/$p.download.log" 2>&1); then
                ok=1; break
            fi
            log "WARNING: could not download $p $v (see $SRC_CACHE/$p.download.log); trying an older version"
        done
        [ $ok = 1 ] || die "could not download any version of the source package $p"
        VERSION[$p]=$v
    done
}

unpack_sources() {
    local p dsc
    mkdir -p "$WORK/src"
    for p in "${SOURCE_PACKAGES[@]}"; do
        dsc="$SRC_CACHE/${p}_${VERSION[$p]#*:}.dsc"
        [ -f "$dsc" ] || die "missing $dsc"
        rm -rf "${WORK:?}/src/$p"
        dpkg-source -q -x "$dsc" "$WORK/src/$p" >"$LOGDIR/unpack-$p.log" 2>&1 \
            || { cat "$LOGDIR/unpack-$p.log" >&2; die "dpkg-source -x $dsc failed"; }
        SRCDIR[$p]=$WORK/src/$p
    done
}

# ---------------------------------------------------------------------------------------------
# 4. The libraries
# ---------------------------------------------------------------------------------------------
# Cross environment for autotools/perl based builds: never pick up the host's flags or .pc files.
cross_env() {
    export CC=$WCC CXX=$WCXX AR=${TRIPLE}-ar RANLIB=${TRIPLE}-ranlib RC=${TRIPLE}-windres \
           WINDRES=${TRIPLE}-windres STRIP=${TRIPLE}-strip NM=${TRIPLE}-nm
    export CFLAGS="-O2" CXXFLAGS="-O2" CPPFLAGS="" LDFLAGS=""
    export PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH=""
}

# CMake toolchain used for the dependencies themselves (self-contained, so that edits to the
# project's cmake/toolchain-mingw64.cmake do not silently change a cached prefix).
write_build_toolchain() {
    cat >"$WORK/deps-toolchain.cmake" <<EOF
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER $WCC)
set(CMAKE_CXX_COMPILER $WCXX)
set(CMAKE_RC_COMPILER ${TRIPLE}-windres)
set(CMAKE_AR /usr/bin/${TRIPLE}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB /usr/bin/${TRIPLE}-ranlib CACHE FILEPATH "")
set(CMAKE_FIND_ROOT_PATH "$P" /usr/${TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
EOF
}

cmake_build() { # <name> <source dir> [cmake args...]
    local name=$1 src=$2; shift 2
    local b=$WORK/build/$name
    rm -rf "$b"
    cmake -S "$src" -B "$b" -G "Unix Makefiles" \
        -DCMAKE_TOOLCHAIN_FILE="$WORK/deps-toolchain.cmake" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$P" -DCMAKE_INSTALL_LIBDIR=lib \
        -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=OFF "$@"
    cmake --build "$b" -j "$JOBS"
    cmake --install "$b"
}

# OPENSSLDIR (openssl.cnf, read at initialisation), MODULESDIR (provider DLLs) and ENGINESDIR
# are compiled into libcrypto. Derived from --prefix they would be the Linux cache path, which
# Windows resolves to C:\root\.cache\... - a folder any local user may create (config or
# DLL planting). --openssldir=C:/... does not help: on a Linux build host Configure does not
# see it as absolute and prepends the prefix. So the Makefile variables are overridden for
# the build, with OpenSSL's own Windows defaults (writable by administrators only).
OPENSSL_WINDOWS_DIRS=(
    "OPENSSLDIR=C:/Program Files/Common Files/SSL"
    "ENGINESDIR=C:/Program Files/OpenSSL/lib/engines-3"
    "MODULESDIR=C:/Program Files/OpenSSL/lib/ossl-modules"
)
build_openssl() {
    local b=$WORK/build/openssl
    rm -rf "$b"; mkdir -p "$b"; cd "$b"
    # OpenSSL composes the tool names from --cross-compile-prefix, and CFLAGS from the
    # environment would replace the target's own flags: clear them.
    unset CC CXX AR RANLIB RC WINDRES STRIP NM CFLAGS CXXFLAGS CPPFLAGS LDFLAGS
    export PKG_CONFIG_LIBDIR=$P/lib/pkgconfig PKG_CONFIG_PATH=""
    # no-module: the legacy provider (RC2/DES/... for old PKCS#12 files) is built into libcrypto.
    perl "${SRCDIR[openssl]}/Configure" mingw64 --cross-compile-prefix=${TRIPLE}- \
        CC=gcc-posix CXX=g++-posix \
        --prefix="$P" --libdir=lib \
        no-shared no-tests no-module no-engine no-async
    make -j"$JOBS" build_libs "${OPENSSL_WINDOWS_DIRS[@]}"
    make install_dev "${OPENSSL_WINDOWS_DIRS[@]}"
    local d
    strings "$P/lib/libcrypto.a" >"$b/libcrypto.strings"   # (no `strings | grep -q`: SIGPIPE + pipefail)
    for d in "${OPENSSL_WINDOWS_DIRS[@]}"; do
        grep -qF "${d%%=*}: \"${d#*=}\"" "$b/libcrypto.strings" \
            || { echo "libcrypto.a does not have ${d%%=*} = ${d#*=}" >&2; return 1; }
    done
    # --libdir=lib already puts them where FindOpenSSL looks; keep lib64 too for the recipe's layout.
    [ -e "$P/lib64" ] || ln -s lib "$P/lib64"
    test -f "$P/lib/libcrypto.a" && test -f "$P/lib/libssl.a"
}

SQLITE_DEFINES=(
    -DSQLITE_THREADSAFE=1 -DSQLITE_SECURE_DELETE -DSQLITE_ENABLE_COLUMN_METADATA
    -DSQLITE_ENABLE_DBSTAT_VTAB -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_USE_URI=1
    -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_OMIT_LOAD_EXTENSION
    -DSQLITE_DEFAULT_WAL_SYNCHRONOUS=1
)
build_sqlite() {
    # Debian's sqlite3 source is the full tree without the amalgamation: generate sqlite3.c with
    # a native configure (needs tclsh and the host gcc for lemon/mkkeywordhash), then compile it
    # with mingw.
    local b=$WORK/build/sqlite3
    rm -rf "$b"; mkdir -p "$b/native"; cd "$b/native"
    env -u CC -u CXX -u CFLAGS -u CPPFLAGS -u LDFLAGS \
        "${SRCDIR[sqlite3]}/configure" --disable-tcl --disable-shared --disable-readline
    make sqlite3.c sqlite3.h sqlite3ext.h
    cd "$b"
    $WCC -O2 -DNDEBUG "${SQLITE_DEFINES[@]}" -c native/sqlite3.c -o sqlite3.o
    rm -f libsqlite3.a
    ${TRIPLE}-ar rcs libsqlite3.a sqlite3.o
    mkdir -p "$P/include" "$P/lib/pkgconfig"
    install -m 644 native/sqlite3.h native/sqlite3ext.h "$P/include/"
    install -m 644 libsqlite3.a "$P/lib/"
    local ver; ver=$(sed -n 's/^#define SQLITE_VERSION *"\(.*\)"/\1/p' native/sqlite3.h)
    cat >"$P/lib/pkgconfig/sqlite3.pc" <<EOF
prefix=$P
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: SQLite
Description: SQL database engine (static, mingw-w64)
Version: $ver
Libs: -L\${libdir} -lsqlite3
Cflags: -I\${includedir}
EOF
}

build_curl() {
    # CMake build (not autotools) so that the installed CURLConfig.cmake exports CURL::libcurl
    # with its Windows system libraries and CURL_STATICLIB as usage requirements.
    cmake_build curl "${SRCDIR[curl]}" \
        -DBUILD_CURL_EXE=OFF -DBUILD_TESTING=OFF -DENABLE_MANUAL=OFF -DPICKY_COMPILER=OFF \
        -DCURL_ENABLE_SSL=ON -DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_WINDOWS_SSPI=ON \
        -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF -DUSE_NGHTTP2=OFF -DUSE_NGTCP2=OFF \
        -DUSE_QUICHE=OFF -DUSE_MSH3=OFF -DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=OFF -DCURL_USE_LIBPSL=OFF \
        -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF -DENABLE_ARES=OFF \
        -DENABLE_UNIX_SOCKETS=OFF \
        -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON -DCURL_DISABLE_DICT=ON -DCURL_DISABLE_FILE=ON \
        -DCURL_DISABLE_FTP=ON -DCURL_DISABLE_GOPHER=ON -DCURL_DISABLE_IMAP=ON -DCURL_DISABLE_POP3=ON \
        -DCURL_DISABLE_RTSP=ON -DCURL_DISABLE_SMB=ON -DCURL_DISABLE_TELNET=ON -DCURL_DISABLE_TFTP=ON \
        -DCURL_DISABLE_MQTT=ON \
        -DCURL_DISABLE_SMTP=OFF -DCURL_DISABLE_HTTP=OFF \
        -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none -DCURL_CA_FALLBACK=OFF
    # curl's CMake looks for a CA bundle on the BUILD host even when cross-compiling; a
    # default CAINFO of /etc/ssl/certs/ca-certificates.crt would make Schannel verify against
    # a file that does not exist on Windows instead of the Windows certificate store.
    strings "$P/lib/libcurl.a" >"$WORK/build/curl/libcurl.strings"
    if grep -q '/etc/ssl' "$WORK/build/curl/libcurl.strings"; then
        echo "libcurl.a still has a Linux CA path compiled in" >&2; return 1
    fi
    test -f "$P/lib/libcurl.a" && test -f "$P/lib/cmake/CURL/CURLConfig.cmake"
}

build_wxwidgets() {
    local b=$WORK/build/wxwidgets
    rm -rf "$b"; mkdir -p "$b"; cd "$b"
    cross_env
    # Debian's +dfsg tarball has no bundled zlib/png/jpeg/tiff/expat/regex: build without them.
    # Kept: wxTaskBarIcon, wxNotificationMessage, wxListCtrl, wxDataViewCtrl, wxNotebook, intl.
    "${SRCDIR[wxwidgets3.2]}/configure" --host=$TRIPLE --build="$(gcc -dumpmachine)" --prefix="$P" \
        --disable-shared --enable-unicode --enable-intl \
        --without-libpng --without-libjpeg --without-libtiff --without-zlib --without-expat \
        --without-regex --without-opengl --without-liblzma --without-libcurl \
        --disable-xrc --disable-html --disable-webview --disable-richtext --disable-stc \
        --disable-propgrid --disable-ribbon --disable-aui --disable-mediactrl --disable-svg
    local f
    for f in TASKBARICON NOTIFICATION_MESSAGE DATAVIEWCTRL LISTCTRL NOTEBOOK INTL; do
        grep -q "^#define wxUSE_$f 1" lib/wx/include/*/wx/setup.h \
            || { echo "wxUSE_$f is not enabled by configure" >&2; return 1; }
    done
    make -j"$JOBS"
    make install
    # wxWidgets' own message catalogues (wxstd-3.2.mo: "OK"/"Cancel"/... in ja and others).
    if command -v msgfmt >/dev/null; then
        make -C "${SRCDIR[wxwidgets3.2]}/locale" allmo MSGFMT="msgfmt --verbose" >/dev/null 2>&1 || true
        local po lang
        for po in "${SRCDIR[wxwidgets3.2]}"/locale/*.mo; do
            [ -f "$po" ] || continue
            lang=$(basename "$po" .mo)
            install -D -m 644 "$po" "$P/share/locale/$lang/LC_MESSAGES/wxstd-3.2.mo"
        done
    fi
    "$P/bin/wx-config" --static=yes --version >/dev/null
}

build_fmt() {
    cmake_build fmt "${SRCDIR[fmtlib]}" -DFMT_DOC=OFF -DFMT_TEST=OFF -DFMT_FUZZ=OFF -DFMT_INSTALL=ON
}

build_spdlog() {
    # Compiled spdlog (like Debian's Linux package) against the external fmt built above.
    cmake_build spdlog "${SRCDIR[spdlog]}" -DCMAKE_PREFIX_PATH="$P" \
        -DSPDLOG_FMT_EXTERNAL=ON -DSPDLOG_BUILD_SHARED=OFF -DSPDLOG_BUILD_EXAMPLE=OFF \
        -DSPDLOG_BUILD_EXAMPLE_HO=OFF -DSPDLOG_BUILD_TESTS=OFF -DSPDLOG_BUILD_TESTS_HO=OFF \
        -DSPDLOG_BUILD_BENCH=OFF -DSPDLOG_INSTALL=ON
}

build_googletest() {
    # gtest_disable_pthreads: otherwise the library is compiled with GTEST_HAS_PTHREAD=1 (the
    # posix mingw has pthread.h) while users' code sees the Windows default (0): ODR mismatch.
    cmake_build googletest /usr/src/googletest -DBUILD_GMOCK=ON -DINSTALL_GTEST=ON \
        -Dgtest_disable_pthreads=ON
}

make_include_host() {
    # Header-only libraries from Debian's -dev packages, exposed one by one (never /usr/include
    # itself, which would bring in glibc's headers).
    local d=$P/include-host h
    rm -rf "$d"; mkdir -p "$d"
    for h in boost toml++ CLI; do
        [ -d "/usr/include/$h" ] || die "/usr/include/$h missing (package for it not installed?)"
        ln -s "/usr/include/$h" "$d/$h"
    done
}

run_step() { # <name> <function>
    local name=$1 fn=$2 t0 t
    if [ -f "$P/.stamps/$name" ]; then
        log "$name: already built in this prefix ($(cat "$P/.stamps/$name")), skipping"
        return 0
    fi
    CURRENT_STEP=$name
    CURRENT_LOG=$LOGDIR/$name.log
    log "$name: building (log: $CURRENT_LOG)"
    t0=$(date +%s)
    ( set -euo pipefail; "$fn" ) >"$CURRENT_LOG" 2>&1
    t=$(($(date +%s) - t0))
    mkdir -p "$P/.stamps"
    fmt_secs "$t" >"$P/.stamps/$name"
    echo "$name $t" >>"$P/build-times.txt"
    log "$name: done in $(fmt_secs "$t")"
    CURRENT_STEP=""; CURRENT_LOG=""
}

# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------
mkdir -p "$CACHE_ROOT"
ensure_packages
setup_apt
resolve_versions
KEY=$(compute_key)
if [ "$PRINT_KEY" = 1 ]; then echo "$KEY"; exit 0; fi
P=$CACHE_ROOT/windows-deps-$KEY
STAMP=$P/.credwatch-deps-complete

if [ "$REBUILD" != 1 ] && [ -f "$STAMP" ]; then
    log "reusing cached dependencies ($(fmt_secs $(($(date +%s) - T0))))"
    echo "$P"
    exit 0
fi

# One build per cache root at a time; a second caller waits and then reuses the result.
exec 9>"$CACHE_ROOT/.windows-deps.lock"
if ! flock -n 9; then
    log "another windows-deps.sh is building in $CACHE_ROOT; waiting for it"
    flock 9
fi

fetch_sources
KEY=$(compute_key)     # a version may have fallen back to an older, downloadable one
P=$CACHE_ROOT/windows-deps-$KEY
STAMP=$P/.credwatch-deps-complete
if [ "$REBUILD" = 1 ] && [ -d "$P" ]; then
    log "--rebuild: removing $P"
    rm -rf "$P"
elif [ -f "$STAMP" ]; then
    log "reusing cached dependencies ($(fmt_secs $(($(date +%s) - T0))))"
    echo "$P"
    exit 0
fi
[ -d "$P" ] && log "resuming the unfinished build in $P"

case "$P" in *' '*) die "the cache path must not contain spaces: $P" ;; esac
WORK=$CACHE_ROOT/work-$KEY
LOGDIR=$WORK/logs
mkdir -p "$P" "$LOGDIR" "$WORK/build"
log "building the Windows dependencies into $P (jobs: $JOBS)"
versions_text | sed 's/^/[windows-deps]   /' >&2
versions_text >"$P/versions.txt"

unpack_sources
write_build_toolchain

run_step openssl    build_openssl
run_step sqlite3    build_sqlite
run_step curl       build_curl
run_step fmt        build_fmt
run_step spdlog     build_spdlog
run_step googletest build_googletest
run_step include-host make_include_host
run_step wxwidgets  build_wxwidgets

cd "$CACHE_ROOT"
if [ "$KEEP_WORK" != 1 ]; then rm -rf "$WORK"; fi
{
    echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
    versions_text
    for s in "$P"/.stamps/*; do echo "time.$(basename "$s")=$(cat "$s")"; done
} >"$STAMP.tmp"
mv -f "$STAMP.tmp" "$STAMP"
log "all done in $(fmt_secs $(($(date +%s) - T0)))"
echo "$P"
