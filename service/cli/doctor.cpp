// doctor: the prerequisites of the manuals (names, ports, clock, disk, software, entries),
// checked here in the CLI's own process, as the user who runs it (docs/doctor.md).

#include "command.hpp"
#include "credwatch/catalog/catalog.hpp"
#include "credwatch/checks/checks.hpp"
#include "credwatch/platform/platform.hpp"
#include "output.hpp"

#include <algorithm>
#include <map>
#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

std::string_view state_label(CheckState state, bool ja) {
    switch (state) {
        case CheckState::ok:
            return ja ? "正常" : "ok";
        case CheckState::warning:
            return ja ? "注意" : "warning";
        case CheckState::failed:
            return ja ? "失敗" : "FAILED";
        case CheckState::not_applicable:
            return ja ? "対象外" : "not applicable";
        case CheckState::cannot_check:
            return ja ? "確認不可" : "cannot check";
    }
    return "";
}

namespace {

class DoctorCommand final : public Command {
  public:
    std::string name() const override { return "doctor"; }
    std::string description() const override {
        return "Check the prerequisites the manuals list (names, ports, clock, disk, ...) on this "
               "machine, as this user; exit 1 when one failed";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("systems", systems_, "Only these systems (catalog ids)");
        sub.add_option("--catalog", catalog_file_, "Catalog file (default: the bundled catalog)");
        sub.add_option("--site", site_file_,
                       "Site configuration with the site's checks and settings (default: the "
                       "bundled one)");
        sub.add_option("--lang", options.lang, "ja, en or auto (from the locale)");
        add_json_flag(sub, options);
    }

    int run(Context& ctx) override {
        const bool ja = ctx.ja();
        auto config =
            load_configuration(platform::from_utf8(catalog_file_), platform::from_utf8(site_file_));
        if (!config) return ctx.fail(config.error());
        for (const auto& s : systems_)
            if (!config->catalog.system(s)) {
                std::string known;
                for (const auto& system : config->catalog.systems)
                    known += (known.empty() ? "" : ", ") + system.id;
                ctx.err << "credwatch: "
                        << (ja ? "エラー: 不明なシステム " : "error: unknown system ") << "\"" << s
                        << "\" (" << (ja ? "次のいずれか: " : "expected one of: ") << known
                        << ")\n";
                return kExitUsage;
            }

        // Without systems on the command line: the ones the site uses ([service] systems).
        if (systems_.empty() && config->service.systems) systems_ = *config->service.systems;
        SystemClock clock;
        checks::CheckContext context{clock};
        const auto reports = checks::run_checks(config->checks, systems_, context);
        std::map<CheckState, int> counts;
        for (const auto& r : reports) ++counts[r.result.state];
        const bool failed = counts[CheckState::failed] > 0;

        if (ctx.options.json)
            print_json(ctx.out, to_json(reports, counts, failed, ja));
        else
            print_human(ctx, *config, reports, counts, ja);
        return failed ? kExitError : kExitOk;
    }

  private:
    static json::value to_json(const std::vector<checks::CheckReport>& reports,
                               std::map<CheckState, int>& counts, bool failed, bool ja) {
        json::array items;
        for (const auto& r : reports) {
            const auto& c = r.check;
            items.push_back(json::object{
                {"system", c.system},
                {"id", c.id},
                {"kind", to_string(c.kind)},
                {"severity", to_string(c.severity)},
                {"enabled", c.enabled},
                {"state", to_string(r.result.state)},
                {"title", ja ? c.title_ja : c.title_en},
                {"evidence", ja ? r.result.evidence_ja : r.result.evidence_en},
                {"fix", ja ? c.fix_ja : c.fix_en},
                {"manual", c.manual},
                {"elapsed_ms", r.result.elapsed_ms},
            });
        }
        json::object summary;
        for (auto state : {CheckState::ok, CheckState::warning, CheckState::failed,
                           CheckState::not_applicable, CheckState::cannot_check})
            summary[to_string(state)] = counts[state];
        return json::object{{"lang", ja ? "ja" : "en"},
                            {"platform", checks::current_platform()},
                            {"failed", failed},
                            {"summary", std::move(summary)},
                            {"checks", std::move(items)}};
    }

    static void print_human(const Context& ctx, const Configuration& config,
                            const std::vector<checks::CheckReport>& reports,
                            std::map<CheckState, int>& counts, bool ja) {
        std::string current_system;
        for (const auto& r : reports) {
            const auto& c = r.check;
            if (c.system != current_system) {
                current_system = c.system;
                const System* s = config.catalog.system(c.system);
                ctx.out << (current_system == reports.front().check.system ? "" : "\n")
                        << "== " << (s ? (ja ? s->name_ja : s->name_en) : c.system) << " ("
                        << c.system << ")\n";
            }
            ctx.out << "[" << state_label(r.result.state, ja) << "] "
                    << (ja ? c.title_ja : c.title_en) << "  (" << c.id << ")\n";
            ctx.out << "    " << (ja ? "結果: " : "found: ")
                    << (ja ? r.result.evidence_ja : r.result.evidence_en) << "\n";
            const bool problem = r.result.state == CheckState::failed ||
                                 r.result.state == CheckState::warning ||
                                 r.result.state == CheckState::cannot_check;
            if (problem) {
                ctx.out << "    " << (ja ? "対処: " : "fix: ") << (ja ? c.fix_ja : c.fix_en)
                        << "\n";
                ctx.out << "    " << (ja ? "マニュアル: " : "manual: ") << c.manual << "\n";
            }
        }
        ctx.out << "\n"
                << (ja ? "結果: " : "summary: ") << state_label(CheckState::failed, ja) << " "
                << counts[CheckState::failed] << ", " << state_label(CheckState::warning, ja) << " "
                << counts[CheckState::warning] << ", " << state_label(CheckState::ok, ja) << " "
                << counts[CheckState::ok] << ", " << state_label(CheckState::cannot_check, ja)
                << " " << counts[CheckState::cannot_check] << ", "
                << state_label(CheckState::not_applicable, ja) << " "
                << counts[CheckState::not_applicable] << "\n";
    }

    std::vector<std::string> systems_;
    std::string catalog_file_, site_file_;
};

// The symptom guide of the site's systems, as the service answers it: the message staff see,
// what to do, the manual, and the checks that would show the cause.
class SymptomsCommand final : public Command {
  public:
    std::string name() const override { return "symptoms"; }
    std::string description() const override {
        return "The symptom guide: the manuals' error messages and what to do (from the service)";
    }
    void register_options(CLI::App& sub, GlobalOptions& options) override {
        sub.add_option("--system", system_, "Only the symptoms of this system (catalog id)");
        add_json_flag(sub, options);
    }
    int run(Context& ctx) override {
        auto reply = ctx.request("symptoms", {});
        if (!reply) return ctx.fail(reply.error());
        json::array listed;
        if (const auto* list = reply->as_object().if_contains("symptoms"); list && list->is_array())
            for (const auto& v : list->as_array())
                if (v.is_object() && (system_.empty() || str(v.as_object(), "system") == system_))
                    listed.push_back(v);
        if (!system_.empty() && listed.empty())
            return ctx.fail(make_error(Errc::not_found,
                                       "--system " + system_ +
                                           ": no symptom of this system (an unknown system, or "
                                           "one the site does not use)"));
        if (ctx.options.json) {
            ctx.out << json::serialize(json::object{{"symptoms", std::move(listed)}}) << "\n";
            return kExitOk;
        }
        const bool ja = ctx.ja();
        std::string system;
        bool first = true;
        for (const auto& v : listed) {
            const json::object& s = v.as_object();
            if (first || str(s, "system") != system) {
                system = str(s, "system");
                ctx.out << (first ? "" : "\n") << "[" << system << "]\n";
                first = false;
            }
            ctx.out << "  " << str(s, ja ? "message_ja" : "message_en") << "\n";
            ctx.out << "    " << (ja ? "対処: " : "what to do: ")
                    << str(s, ja ? "what_to_do_ja" : "what_to_do_en") << "\n";
            ctx.out << "    " << (ja ? "マニュアル: " : "manual: ") << str(s, "manual") << "\n";
            if (const auto* checks = s.if_contains("checks");
                checks && checks->is_array() && !checks->as_array().empty()) {
                std::string names;
                for (const auto& c : checks->as_array())
                    if (c.is_string())
                        names += (names.empty() ? "" : ", ") + std::string(c.as_string());
                ctx.out << "    " << (ja ? "関連する確認: " : "related checks: ") << names
                        << " (credwatch doctor)\n";
            }
        }
        return kExitOk;
    }

  private:
    std::string system_;
};

}  // namespace

void add_doctor_commands(std::vector<std::unique_ptr<Command>>& commands) {
    commands.push_back(std::make_unique<DoctorCommand>());
    commands.push_back(std::make_unique<SymptomsCommand>());
}

}  // namespace credwatch::cli
