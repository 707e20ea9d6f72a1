#pragma once
// The SQLite layer of the store: a connection, prepared statements with typed binding and
// column access, and transactions retried as a whole while another process holds the lock.
// Private to credwatch_store.

#include "credwatch/base/clock.hpp"
#include "credwatch/base/error.hpp"
#include "credwatch/store/store.hpp"
#include "sqlite_handle.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace credwatch::sql {

// Instants are stored as whole Unix seconds; values beyond TimePoint's range are clamped.
inline std::int64_t to_unix(TimePoint t) {
    return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

inline TimePoint from_unix(std::int64_t s) {
    constexpr auto lo =
        std::chrono::duration_cast<std::chrono::seconds>(TimePoint::min().time_since_epoch())
            .count();
    constexpr auto hi =
        std::chrono::duration_cast<std::chrono::seconds>(TimePoint::max().time_since_epoch())
            .count();
    if (s >= hi) return TimePoint::max();
    if (s <= lo) return TimePoint::min();
    return TimePoint{std::chrono::duration_cast<TimePoint::duration>(std::chrono::seconds{s})};
}

inline TimePoint whole_seconds(TimePoint t) {
    return from_unix(to_unix(t));
}

class Connection;

// A prepared statement; finalized at scope end. Binding errors are reported by step().
class Statement {
  public:
    Statement(const Connection& connection, sqlite::StatementPtr stmt, std::string_view function)
        : connection_(&connection), stmt_(std::move(stmt)), function_(function) {}

    Statement& bind(int index, std::string_view text) {
        // A null data pointer (a default std::string_view) would bind SQL NULL, not ''.
        return check(sqlite3_bind_text64(stmt_.get(), index, text.data() ? text.data() : "",
                                         text.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) {
        return bind(index, std::string_view(text));
    }
    Statement& bind(int index, std::int64_t value) {
        return check(sqlite3_bind_int64(stmt_.get(), index, value));
    }
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind(int index, bool value) { return bind(index, std::int64_t{value ? 1 : 0}); }
    Statement& bind(int index, TimePoint value) { return bind(index, to_unix(value)); }
    Statement& bind_null(int index) { return check(sqlite3_bind_null(stmt_.get(), index)); }
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    // true: a row is available; false: done.
    [[nodiscard]] Result<bool> step();
    // Makes the statement ready to run again with new bindings.
    void reset() {
        sqlite3_reset(stmt_.get());
        sqlite3_clear_bindings(stmt_.get());
        bind_rc_ = SQLITE_OK;
    }
    // Runs a statement that returns no rows.
    [[nodiscard]] Status run() {
        CW_TRY(step());
        return {};
    }

    bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
    int int32(int col) const { return sqlite3_column_int(stmt_.get(), col); }
    std::string text(int col) const {
        const unsigned char* p = sqlite3_column_text(stmt_.get(), col);
        if (!p) return {};
        const auto n = static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), col));
        return std::string(reinterpret_cast<const char*>(p), n);
    }
    TimePoint time(int col) const { return from_unix(int64(col)); }
    std::optional<TimePoint> optional_time(int col) const {
        if (is_null(col)) return std::nullopt;
        return time(col);
    }
    std::optional<int> optional_int(int col) const {
        if (is_null(col)) return std::nullopt;
        return int32(col);
    }

  private:
    Statement& check(int rc) {
        if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
        return *this;
    }

    const Connection* connection_;
    sqlite::StatementPtr stmt_;
    std::string function_;
    int bind_rc_ = SQLITE_OK;
};

enum class Tx { read, write };

class Connection {
  public:
    Connection(sqlite::DatabasePtr db, std::string file, StoreOptions options)
        : db_(std::move(db)), file_(std::move(file)), options_(options) {}

    sqlite3* db() const { return db_.get(); }
    const std::string& file() const { return file_; }
    const StoreOptions& options() const { return options_; }

    // Logs a failed SQLite call and turns it into an Error naming the database file.
    Error fail(std::string_view function, int rc) const;

    [[nodiscard]] Result<Statement> prepare(std::string_view function, std::string_view sql) const;

    // Runs one or several statements without parameters.
    [[nodiscard]] Status exec(std::string_view function, const char* sql) const;

    // Runs `body` (returning Result<T>) inside one transaction; rollback on any error; the
    // whole transaction is retried while SQLite reports the database busy or locked.
    template <class F>
    std::invoke_result_t<F&> transaction(std::string_view what, Tx kind, F&& body) {
        using R = std::invoke_result_t<F&>;
        for (int attempt = 1;; ++attempt) {
            Error failure;
            if (auto begun = exec(what, kind == Tx::write ? "BEGIN IMMEDIATE" : "BEGIN"); !begun) {
                failure = begun.error();
            } else {
                R result = body();
                if (result) {
                    auto committed = exec(what, "COMMIT");
                    if (committed) return result;
                    failure = committed.error();
                } else {
                    failure = result.error();
                }
                rollback(what);
            }
            if (auto final_error = retry_or_give_up(std::move(failure), what, attempt)) {
                return *std::move(final_error);
            }
        }
    }

  private:
    void rollback(std::string_view what) const;
    // After a failed attempt: the error to return (not a lock, or no attempt left), or nothing
    // once the pause before the next attempt is over.
    std::optional<Error> retry_or_give_up(Error failure, std::string_view what, int attempt) const;

    sqlite::DatabasePtr db_;
    std::string file_;
    StoreOptions options_;
};

// What collect_rows gathers from a row reader's return type: T from T or from Result<T>.
template <class T>
struct RowOf {
    using type = T;
};
template <class T>
struct RowOf<Result<T>> {
    using type = T;
};
template <class Reader>
using RowOfT = typename RowOf<std::invoke_result_t<Reader&, const Statement&>>::type;

// Steps `s` to its end and gathers `read(s)` for every row. A reader returns the value, or a
// Result whose first error ends the collection.
template <class Reader>
Result<std::vector<RowOfT<Reader>>> collect_rows(Statement& s, Reader&& read) {
    std::vector<RowOfT<Reader>> out;
    for (;;) {
        CW_TRY_ASSIGN(row, s.step());
        if (!row) return out;
        if constexpr (std::is_same_v<std::invoke_result_t<Reader&, const Statement&>,
                                     RowOfT<Reader>>) {
            out.push_back(read(std::as_const(s)));
        } else {
            CW_TRY_ASSIGN(value, read(std::as_const(s)));
            out.push_back(std::move(value));
        }
    }
}

// Prepares `sql` (no parameters) and gathers `read(row)` for all its rows, as collect_rows.
template <class Reader>
Result<std::vector<RowOfT<Reader>>> select_all(const Connection& c, std::string_view what,
                                               std::string_view sql, Reader&& read) {
    CW_TRY_ASSIGN(s, c.prepare(what, sql));
    return collect_rows(s, read);
}

}  // namespace credwatch::sql
