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
    if (sqlite::is_busy(rc)) {
        spdlog::warn("store: {} on {}: sqlite error {} (extended {}): {}", function, file_,
                     rc & 0xff, extended, message);
        return make_error(Errc::database_locked,
                          fmt::format("database {} is locked ({}: {})", file_, function, message));
    }
    spdlog::error("store: {} on {}: sqlite error {} (extended {}): {}", function, file_, rc & 0xff,
                  extended, message);
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
