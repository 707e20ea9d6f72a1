#pragma once
// RAII owners for SQLite handles (private to credwatch_common).

#include <sqlite3.h>

#include <memory>

namespace credwatch::sqlite {

struct DatabaseCloser {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};

using DatabasePtr = std::unique_ptr<sqlite3, DatabaseCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// SQLITE_BUSY and SQLITE_LOCKED (with any extended code): another connection holds the lock.
inline bool is_busy(int rc) noexcept {
    const int primary = rc & 0xff;
    return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

}  // namespace credwatch::sqlite
