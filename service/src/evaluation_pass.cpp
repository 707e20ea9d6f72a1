#include "evaluation_pass.hpp"

#include "credwatch/base/civil_time.hpp"
#include "credwatch/certs/cert_store.hpp"
#include "credwatch/domain/candidates.hpp"
#include "credwatch/domain/matching.hpp"
#include "credwatch/domain/reminders.hpp"
#include "credwatch/domain/rules.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/ipc/protocol.hpp"
#include "credwatch/platform/platform.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

namespace credwatch {

namespace json = boost::json;

namespace {

// The last issuance recorded on a quota that counts this certificate credential's kind: where
// an estimated deadline starts while no certificate is bound.
std::optional<TimePoint> issued_at_for(const Credential& credential,
                                       const std::vector<Credential>& credentials,
                                       const std::map<std::string, TimePoint>& latest,
                                       const Catalog& catalog) {
    std::optional<TimePoint> at;
    for (const auto& quota : credentials) {
        if (quota.system != credential.system) continue;
        const CredentialKind* kind = catalog.kind(quota.system, quota.kind);
        if (!kind || kind->rule != Rule::issuance_quota || kind->counts_kind != credential.kind)
            continue;
        if (auto it = latest.find(quota.id); it != latest.end() && (!at || it->second > *at))
            at = it->second;
    }
    return at;
}

}  // namespace

const StatusRow* PassResult::row(std::string_view id) const {
    for (const auto& r : rows)
        if (r.id == id) return &r;
    return nullptr;
}

EvaluationPass::EvaluationPass(boost::asio::io_context& io, Store& store, const Clock& clock,
                               Notifier* notifier, std::ostream* console)
    : store_(store), clock_(clock), notifier_(notifier), console_(console), io_(io) {}

EvaluationPass::~EvaluationPass() {
    alive_.reset();
    worker_->join();
}

void EvaluationPass::configure(const Configuration& config, Lang lang) {
    config_ = &config;
    lang_ = lang;
    configured_.clear();
    for (const auto& c : config.credentials) configured_.emplace(c.id, &c);
}

const Credential* EvaluationPass::configured(std::string_view id) const {
    auto it = configured_.find(id);
    return it == configured_.end() ? nullptr : it->second;
}

void EvaluationPass::add_listener(std::function<void(const RaisedReminder&)> listener) {
    listeners_.push_back(std::move(listener));
}

void EvaluationPass::print(const std::string& text) {
    if (console_) {
        *console_ << text;
        console_->flush();
    }
}

std::vector<Procedure> EvaluationPass::procedures_of(const CredentialKind* kind) const {
    std::vector<Procedure> out;
    if (!kind) return out;
    for (const auto& id : kind->procedures)
        if (const Procedure* p = config_->catalog.procedure(id)) out.push_back(*p);
    return out;
}

std::vector<std::filesystem::path> EvaluationPass::configured_folders() const {
    std::vector<std::filesystem::path> folders;
    for (const auto& f : config_->service.certificate_folders)
        folders.push_back(platform::from_utf8(f));
    return folders;
}

EvaluationPass::ScanPhase EvaluationPass::scan_phase(
    const std::vector<std::filesystem::path>& folders) {
    if (scan_hook_) scan_hook_();
    ScanPhase phase;
    if (!folders.empty()) phase.folders = scanner_.scan(folders, "machine");
    // Windows: LocalMachine\My, Root and CA (the users' own stores come from the tray).
    if constexpr (kHasSystemCertificateStores) phase.stores = scan_machine_stores();
    return phase;
}

Status EvaluationPass::apply_scan(ScanPhase& phase) {
    // Skipped entries (links, FIFOs, limits) are counted, not logged one by one: anyone who
    // may write to a scanned folder could otherwise flood the logs with planted links.
    std::size_t skipped = 0;
    for (const auto& failure : phase.folders.failures) {
        if (failure.code == Errc::skipped)
            ++skipped;
        else
            spdlog::warn("certificate file {}: {}", failure.location, failure.error);
    }
    if (skipped > 0)
        spdlog::info(
            "certificate folders: {} entries skipped (links, FIFOs, devices or limits); "
            "`credwatch inventory` lists them",
            skipped);
    if (auto st = replace_inventory("machine-folders", phase.folders); !st) return st;
    if (phase.stores) {
        if (!*phase.stores) return phase.stores->error();
        if (auto st = replace_inventory("store:LocalMachine", **phase.stores); !st) return st;
    }
    return {};
}

void EvaluationPass::run_async(Scan scan, PassDone done) {
    if (scan == Scan::none) {
        done(run(Scan::none));
        return;
    }
    if (scanning_) {
        next_requested_ = true;
        queued_.push_back(std::move(done));
        return;
    }
    std::vector<PassDone> waiters;
    waiters.push_back(std::move(done));
    start_scan(std::move(waiters));
}

void EvaluationPass::start_scan(std::vector<PassDone> waiters) {
    scanning_ = true;
    waiting_ = std::move(waiters);
    // Everything the worker needs is copied or is this object, which joins it before it goes.
    boost::asio::post(*worker_,
                      [this, folders = configured_folders(), alive = std::weak_ptr<int>(alive_),
                       work = boost::asio::make_work_guard(io_)]() mutable {
                          auto phase = std::make_shared<ScanPhase>(scan_phase(folders));
                          boost::asio::post(io_, [this, alive, phase, work = std::move(work)]() {
                              if (alive.expired()) return;
                              finish_scan(*phase);
                          });
                      });
}

void EvaluationPass::finish_scan(ScanPhase& phase) {
    std::vector<PassDone> waiters = std::move(waiting_);
    waiting_.clear();
    scanning_ = false;
    Result<PassResult> result = make_error(Errc::internal, "no pass");
    if (auto st = apply_scan(phase); !st)
        result = st.error();
    else
        result = evaluate_and_publish();
    for (const auto& done : waiters) done(result);
    if (next_requested_) {
        next_requested_ = false;
        start_scan(std::exchange(queued_, {}));
    }
}

Status EvaluationPass::replace_inventory(const std::string& source, const ScanResult& scan) {
    inventory_.reset();
    if (auto st = store_.replace_inventory(source, scan); !st) return st;
    // A file that stays broken is written once, not at every rescan (a folder with a corrupt
    // file must not flood the log); one that was fixed and breaks again is written again.
    auto& written = unreadable_[source];
    std::set<std::pair<std::string, std::string>> failing;
    for (const auto& failure : scan.failures) {
        if (failure.code == Errc::skipped) continue;  // not unreadable: left alone on purpose
        // The scanner's reason starts with the location, which the event has on its own.
        std::string_view reason = failure.error;
        if (reason.starts_with(failure.location) &&
            reason.substr(failure.location.size()).starts_with(": "))
            reason.remove_prefix(failure.location.size() + 2);
        auto key = std::pair(failure.location, std::string(reason));
        if (!written.contains(key) && !failing.contains(key) && notifier_)
            notifier_->certificate_unreadable(key.first, key.second);
        failing.insert(std::move(key));
    }
    if (failing.empty())
        unreadable_.erase(source);
    else
        written = std::move(failing);
    return {};
}

Status EvaluationPass::replace_reported_inventory(const std::string& source,
                                                  const ScanResult& scan) {
    inventory_.reset();
    return store_.replace_inventory(source, scan);
}

Status EvaluationPass::match_certificates() {
    if (!inventory_) {
        auto inventory = store_.inventory();
        if (!inventory) return inventory.error();
        inventory_ = std::move(*inventory);
    }
    const std::vector<InventoryEntry>& inventory = *inventory_;
    auto credentials = store_.credentials();
    if (!credentials) return credentials.error();
    auto learnt = store_.learnt_matches();
    if (!learnt) return learnt.error();
    Actor actor{platform::current_user(), "service"};
    bool rebound = false;
    // What each certificate kind's credentials track in this pass (system, kind → SHA-256s), and
    // the quotas counting them, which are done last so that they see this pass's certificates.
    std::map<std::pair<std::string, std::string>, std::set<std::string>> tracked;
    std::vector<const Credential*> quotas;
    for (auto& c : *credentials) {
        // store_user is site configuration, not kept in the store: read it as configured now.
        if (const Credential* site = configured(c.id)) c.store_user = site->store_user;
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        if (!kind) continue;
        if (kind->rule == Rule::certificate_validity) {
            // A kind the catalog cannot describe matches by what a confirmation taught.
            auto best = best_match(c, with_learnt_match(*kind, *learnt), inventory);
            bool same =
                best ? best->info.sha256 == c.certificate_sha256 : c.certificate_sha256.empty();
            if (!same) {
                if (auto st = store_.bind_certificate(c.id, best, actor); !st) return st;
                rebound = true;
            }
            if (best) tracked[{c.system, c.kind}].insert(best->info.sha256);
        } else if (kind->rule == Rule::issuance_quota) {
            quotas.push_back(&c);
        } else if (kind->rule == Rule::document_age && !c.document_path.empty()) {
            auto mtime = platform::modification_time(platform::from_utf8(c.document_path));
            if (!mtime) continue;  // not downloaded yet: the credential stays "to record"
            Date obtained = local_date(*mtime);
            if (!c.renewed_on || *c.renewed_on < obtained)
                if (auto st = store_.record_renewal(c.id, obtained, actor); !st) return st;
        }
    }
    for (const Credential* quota : quotas) {
        const Credential& c = *quota;
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        // Each certificate of the counted kind is a row of the issuance ledger (a new one, or
        // the certificate of an issuance a person recorded): docs/issuances.md.
        const CredentialKind* cert_kind = kind->counts_kind.empty()
                                              ? nullptr
                                              : config_->catalog.kind(c.system, kind->counts_kind);
        if (cert_kind) {
            auto seen = store_.record_seen_issuances(
                c.id,
                counted_certificates(c, with_learnt_match(*cert_kind, *learnt), inventory,
                                     tracked[{c.system, kind->counts_kind}]),
                actor);
            if (!seen) return seen.error();
        }
        // The account's count the site file states (a second PC): never below it.
        if (const Credential* site = configured(c.id); site && site->issued_floor)
            if (auto st =
                    store_.raise_issued(c.id, *site->issued_floor, actor, "site configuration");
                !st)
                return st.error();
    }
    // The inventory's "tracked as" follows the credentials' certificates.
    if (rebound) inventory_.reset();
    return {};
}

StatusRow EvaluationPass::row_of(const Credential& c, const Evaluation* e) const {
    const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
    Evaluation missing;
    missing.reason = "kind not in the catalog";
    StatusRow row = make_status_row(c, config_->catalog.system(c.system), kind, e ? *e : missing);
    // The account is site configuration, not kept in the store.
    if (row.issued_here)
        if (const Credential* site = configured(c.id)) row.account = site->account;
    return row;
}

Result<std::vector<StatusRow>> EvaluationPass::rows_at(TimePoint at) {
    auto credentials = store_.credentials();
    if (!credentials) return credentials.error();
    auto latest = store_.latest_issuances();
    if (!latest) return latest.error();
    std::vector<StatusRow> rows;
    rows.reserve(credentials->size());
    for (const auto& c : *credentials) {
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        if (kind) {
            const Evaluation e = evaluate_with_estimate(
                c, *kind, issued_at_for(c, *credentials, *latest, config_->catalog), at);
            rows.push_back(row_of(c, &e));
        } else {
            rows.push_back(row_of(c, nullptr));
        }
    }
    return rows;
}

Result<PassResult> EvaluationPass::run(Scan scan) {
    if (scan == Scan::folders) {
        ScanPhase phase = scan_phase(configured_folders());
        if (auto st = apply_scan(phase); !st) return st.error();
    }
    return evaluate_and_publish();
}

Result<PassResult> EvaluationPass::evaluate_and_publish() {
    if (auto st = match_certificates(); !st) return st.error();
    auto credentials = store_.credentials();
    if (!credentials) return credentials.error();
    auto latest = store_.latest_issuances();
    if (!latest) return latest.error();
    PassResult result;
    result.at = clock_.now();
    const Date today = local_date(result.at);
    std::vector<DueReminder> due;
    // Per credential with a due reminder: its row and kind, for the mail and the text.
    struct Context {
        std::size_t row;
        const CredentialKind* kind;
    };
    std::map<std::string, Context> context;
    result.rows.reserve(credentials->size());
    for (const auto& c : *credentials) {
        const CredentialKind* kind = config_->catalog.kind(c.system, c.kind);
        if (!kind) {
            spdlog::warn("credential {} has kind {}/{} which the catalog no longer has", c.id,
                         c.system, c.kind);
            result.rows.push_back(row_of(c, nullptr));
            continue;
        }
        const Evaluation e = evaluate_with_estimate(
            c, *kind, issued_at_for(c, *credentials, *latest, config_->catalog), result.at);
        result.worst = std::max(result.worst, severity(e.state));
        result.rows.push_back(row_of(c, &e));
        auto fired = store_.fired_keys(c.id, c.generation);
        if (!fired) return fired.error();
        if (auto d = due_reminder(c, *kind, e, today, *fired)) {
            context[c.id] = {result.rows.size() - 1, kind};
            due.push_back(std::move(*d));
        }
    }
    auto raised = store_.raise(due, [&](const Reminder& r) -> std::optional<OutboxMessage> {
        auto it = context.find(r.credential_id);
        if (!notifier_ || it == context.end()) return std::nullopt;
        return notifier_->render(r, result.rows[it->second.row], procedures_of(it->second.kind),
                                 it->second.kind->rule);
    });
    if (!raised) return raised.error();
    for (const auto& r : *raised) {
        auto it = context.find(r.credential_id);
        if (it == context.end()) continue;
        const StatusRow& row = result.rows[it->second.row];
        result.raised.push_back({r, row,
                                 reminder_text(r, row, procedures_of(it->second.kind), lang_,
                                               config_->service.organisation)});
    }
    publish(result);
    last_completed_ = result.at;
    return result;
}

void EvaluationPass::publish(const PassResult& result) {
    for (const auto& rr : result.raised) {
        spdlog::warn("reminder {}: {}", rr.reminder.id, rr.text.subject);
        print((lang_ == Lang::ja ? "リマインダー: " : "REMINDER: ") + rr.text.subject + "\n");
        if (ipc_) {
            json::object data = to_json(rr.reminder);
            data["credential_row"] = to_json(rr.row);
            data["subject"] = rr.text.subject;
            data["body"] = rr.text.body;
            ipc_->broadcast(protocol::serialize_event("reminder", std::move(data)));
        }
        if (notifier_) notifier_->reminder_raised(rr.reminder, rr.text.subject);
        for (const auto& listener : listeners_) listener(rr);
    }
    if (notifier_) notifier_->evaluated(result.rows, result.at);  // metrics, e-mail
    std::string worst_text = result.worst < 0 ? "none" : std::to_string(result.worst);
    if (ipc_ && worst_text != last_worst_)
        ipc_->broadcast(
            protocol::serialize_event("status-changed", json::object{{"severity", result.worst}}));
    last_worst_ = worst_text;
}

}  // namespace credwatch
