#include "sqlite.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

namespace credwatch::sql {

using namespace std::chrono;

Result<bool> Statement::step() {
    if (bind_rc_ != SQLITE_OK) return connection_->fail(function_, bind_rc_);
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return connection_->fail(function_, rc);
}

Error Connection::fail(std::string_view function, int rc) const {
    const char* message = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    const int extended = db_ ? sqlite3_extended_errcode(db_.get()) : rc;
    const int primary = rc & 0xff;
    if (sqlite::is_busy(rc)) {
        spdlog::warn("store: {} on {}: sqlite error {} (extended {}): {}", function, file_, primary,
                     extended, message);
        return make_error(Errc::database_locked,
                          fmt::format("database {} is locked ({}: {})", file_, function, message));
    }
    spdlog::error("store: {} on {}: sqlite error {} (extended {}): {}", function, file_, primary,
                  extended, message);
    // The storage itself refused: the change is rolled back whole (nothing of it is written,
    // everything committed before stays), and the caller is told what to do about the disk.
    switch (primary) {
        case SQLITE_FULL:
            return make_error(
                Errc::disk_full,
                fmt::format("database {}: the disk is full ({} failed: {}); nothing of this "
                            "change was written and the data recorded before is intact; free "
                            "space on the disk that holds {}, then try again",
                            file_, function, message, file_));
        case SQLITE_READONLY:
            return make_error(
                Errc::read_only,
                fmt::format("database {} is read-only ({} failed: {}); nothing of this change "
                            "was written; make the data folder and its disk writable again "
                            "(a read-only mount, a full or failing disk), then try again",
                            file_, function, message));
        case SQLITE_IOERR: {
            const int os_error = db_ ? sqlite3_system_errno(db_.get()) : 0;
            return make_error(
                Errc::io_error,
                fmt::format("database {}: the disk refused a read or write ({} failed: {}, "
                            "sqlite error {}, OS error {}); nothing of this change was written; "
                            "check the disk that holds {} (full, read-only or failing), then "
                            "try again",
                            file_, function, message, extended, os_error, file_));
        }
        default:
            break;
    }
    return make_error(Errc::database_error,
                      fmt::format("database {}: {} failed: {} (sqlite error {})", file_, function,
                                  message, extended));
}

Result<Statement> Connection::prepare(std::string_view function, std::string_view sql) const {
    sqlite3_stmt* raw = nullptr;
    const int rc =
        sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    sqlite::StatementPtr stmt(raw);
    if (rc != SQLITE_OK) return fail(function, rc);
    return Statement(*this, std::move(stmt), function);
}

Status Connection::exec(std::string_view function, const char* sql) const {
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return fail(function, rc);
    return {};
}

void Connection::rollback(std::string_view what) const {
    // SQLite may already have rolled back by itself (e.g. after SQLITE_FULL or IOERR).
    if (sqlite3_get_autocommit(db_.get())) return;
    const int rc = sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) (void)fail(fmt::format("{} (rollback)", what), rc);
}

std::optional<Error> Connection::retry_or_give_up(Error failure, std::string_view what,
                                                  int attempt) const {
    const int attempts = std::max(1, options_.transaction_attempts);
    if (failure.code != Errc::database_locked) return failure;
    if (attempt >= attempts) {
        spdlog::error("store: {} on {}: still locked after {} attempts, giving up", what, file_,
                      attempts);
        return make_error(
            Errc::database_locked,
            fmt::format("database {} is locked by another program: {} gave up after {} "
                        "attempts (busy timeout {} ms each); nothing was written",
                        file_, what, attempts, options_.busy_timeout.count()));
    }
    const auto pause = milliseconds(std::min(25 * attempt, 250));
    spdlog::warn("store: {} on {}: database locked, attempt {}/{}; retrying in {} ms", what, file_,
                 attempt, attempts, pause.count());
    std::this_thread::sleep_for(pause);
    return std::nullopt;
}

}  // namespace credwatch::sql
