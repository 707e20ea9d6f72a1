// Editing DATA_DIR/site.toml from key=value settings (the MSI's public properties).

#include "credwatch/catalog/site_edit.hpp"

#include "credwatch/base/strings.hpp"

#include <toml++/toml.h>

#include "toml_guard.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

namespace credwatch {

namespace {

// A list setting ("a@x, B <b@y>"): the parts between separators, trimmed, empty ones dropped.
std::vector<std::string> split_list(std::string_view s, char separator) {
    std::vector<std::string> out;
    for (const auto& part : split(s, separator))
        if (auto item = trim(part); !item.empty()) out.emplace_back(item);
    return out;
}

Result<int> parse_int(std::string_view key, std::string_view text) {
    int value = 0;
    std::string t(trim(text));
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc{} || p != t.data() + t.size())
        return make_error(Errc::invalid_argument,
                          std::string(key) + ": not an integer: \"" + t + "\"");
    return value;
}

Result<std::vector<int>> parse_thresholds(std::string_view key, std::string_view text) {
    std::vector<int> out;
    for (auto& item : split_list(text, ',')) {
        auto v = parse_int(key, item);
        if (!v) return v.error();
        if (*v < 0)
            return make_error(Errc::invalid_argument,
                              std::string(key) + ": thresholds must be >= 0");
        out.push_back(*v);
    }
    for (size_t i = 1; i < out.size(); ++i)
        if (out[i] >= out[i - 1])
            return make_error(
                Errc::invalid_argument,
                std::string(key) + ": thresholds must be strictly descending, e.g. 14,7,3,1");
    return out;
}

Result<std::string> parse_choice(std::string_view key, std::string_view text,
                                 std::initializer_list<std::string_view> choices) {
    std::string t(trim(text));
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (auto c : choices)
        if (t == c) return t;
    std::string list;
    for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
    return make_error(Errc::invalid_argument,
                      std::string(key) + ": \"" + t + "\" is not one of " + list);
}

toml::table& subtable(toml::table& parent, std::string_view key) {
    auto* node = parent.get(key);
    if (!node || !node->is_table()) {
        parent.insert_or_assign(key, toml::table{});
        node = parent.get(key);
    }
    return *node->as_table();
}

toml::array string_array(const std::vector<std::string>& items) {
    toml::array a;
    for (auto& s : items) a.push_back(s);
    return a;
}

toml::array int_array(const std::vector<int>& items) {
    toml::array a;
    for (int v : items) a.push_back(v);
    return a;
}

bool write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    return static_cast<bool>(out);
}

}  // namespace

bool SiteEdits::empty() const {
    return !email_to && !smtp_host && !smtp_port && !smtp_from && !smtp_tls &&
           !thresholds_password && !thresholds_certificate && !certificate_folders &&
           !organisation && !language && !systems && !metrics_textfile && !site_id && !account;
}

const std::vector<std::string>& site_setting_keys() {
    static const std::vector<std::string> keys{"email.to",
                                               "email.smtp_host",
                                               "email.smtp_port",
                                               "email.from",
                                               "email.tls",
                                               "thresholds.password",
                                               "thresholds.certificate",
                                               "service.certificate_folders",
                                               "service.organisation",
                                               "service.language",
                                               "service.systems",
                                               "metrics.textfile",
                                               "metrics.site_id",
                                               "metrics.account"};
    return keys;
}

Status set_site_setting(SiteEdits& edits, std::string_view assignment) {
    auto eq = assignment.find('=');
    if (eq == std::string_view::npos)
        return make_error(Errc::invalid_argument,
                          "expected key=value, got \"" + std::string(assignment) + "\"");
    std::string key(trim(assignment.substr(0, eq)));
    std::string_view raw = assignment.substr(eq + 1);
    std::string value(trim(raw));
    const auto& keys = site_setting_keys();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        std::string list;
        for (auto& k : keys) list += (list.empty() ? "" : ", ") + k;
        return make_error(Errc::invalid_argument,
                          "unknown setting \"" + key + "\" (expected one of: " + list + ")");
    }
    if (value.empty()) return {};  // not given: leave the configuration as it is

    if (key == "email.to") {
        auto to = split_list(value, ',');
        auto more = split_list(value, ';');  // also accept ';' as separator
        edits.email_to = more.size() > to.size() ? more : to;
    } else if (key == "email.smtp_host") {
        edits.smtp_host = value;
    } else if (key == "email.smtp_port") {
        auto port = parse_int(key, value);
        if (!port) return port.error();
        if (*port < 1 || *port > 65535)
            return make_error(Errc::invalid_argument, "email.smtp_port: must be 1-65535");
        edits.smtp_port = *port;
    } else if (key == "email.from") {
        edits.smtp_from = value;
    } else if (key == "email.tls") {
        auto tls = parse_choice(key, value, {"starttls", "implicit", "none"});
        if (!tls) return tls.error();
        edits.smtp_tls = *tls;
    } else if (key == "thresholds.password" || key == "thresholds.certificate") {
        auto t = parse_thresholds(key, value);
        if (!t) return t.error();
        (key == "thresholds.password" ? edits.thresholds_password : edits.thresholds_certificate) =
            *t;
    } else if (key == "service.certificate_folders") {
        edits.certificate_folders = split_list(value, ';');
    } else if (key == "service.organisation") {
        edits.organisation = value;
    } else if (key == "service.language") {
        auto lang = parse_choice(key, value, {"ja", "en", "auto"});
        if (!lang) return lang.error();
        edits.language = *lang;
    } else if (key == "service.systems") {
        // Commas or semicolons; which ids exist is checked when the edited file is validated.
        auto systems = split_list(value, ',');
        auto more = split_list(value, ';');
        edits.systems = more.size() > systems.size() ? more : systems;
    } else if (key == "metrics.textfile") {
        edits.metrics_textfile = value;
    } else if (key == "metrics.site_id") {
        edits.site_id = value;
    } else if (key == "metrics.account") {
        edits.account = value;
    }
    return {};
}

Result<std::string> edit_site_text(std::string_view site_text, std::string_view site_name,
                                   const SiteEdits& edits, const Catalog& catalog) {
    toml::table root;
    if (const std::size_t bare = detail::first_line_with_bare_non_ascii(site_text)) {
        std::ostringstream os;
        os << site_name << ":" << bare
           << ": a non-ASCII character outside a quoted string or a comment (put the key or the "
              "value in quotes)";
        return make_error(Errc::catalog_invalid, os.str());
    }
    try {
        root = toml::parse(site_text, site_name);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << site_name << ":" << e.source().begin.line << ": " << e.description();
        return make_error(Errc::catalog_invalid, os.str());
    }
    if (edits.empty()) {
        return std::string(site_text);
    }

    if (edits.certificate_folders || edits.organisation || edits.language || edits.systems) {
        auto& service = subtable(root, "service");
        if (edits.certificate_folders)
            service.insert_or_assign("certificate_folders",
                                     string_array(*edits.certificate_folders));
        if (edits.organisation) service.insert_or_assign("organisation", *edits.organisation);
        if (edits.language) service.insert_or_assign("language", *edits.language);
        if (edits.systems) service.insert_or_assign("systems", string_array(*edits.systems));
    }
    if (edits.metrics_textfile || edits.site_id || edits.account) {
        auto& metrics = subtable(root, "metrics");
        if (edits.metrics_textfile) metrics.insert_or_assign("textfile", *edits.metrics_textfile);
        if (edits.site_id) metrics.insert_or_assign("site_id", *edits.site_id);
        if (edits.account) metrics.insert_or_assign("account", *edits.account);
    }
    if (edits.email_to || edits.smtp_host || edits.smtp_port || edits.smtp_from || edits.smtp_tls) {
        auto& email = subtable(root, "email");
        if (edits.email_to) email.insert_or_assign("to", string_array(*edits.email_to));
        if (edits.smtp_host) email.insert_or_assign("smtp_host", *edits.smtp_host);
        if (edits.smtp_port) email.insert_or_assign("smtp_port", *edits.smtp_port);
        if (edits.smtp_from) email.insert_or_assign("from", *edits.smtp_from);
        if (edits.smtp_tls) email.insert_or_assign("tls", *edits.smtp_tls);
        auto* to = email.get_as<toml::array>("to");
        if (email.contains("smtp_host") && email.contains("from") && to && !to->empty())
            email.insert_or_assign("enabled", true);
    }
    auto set_thresholds = [&](Rule rule, const std::optional<std::vector<int>>& thresholds) {
        if (!thresholds) return;
        auto& kinds = subtable(root, "kind");
        for (auto& system : catalog.systems)
            for (auto& kind : system.kinds)
                if (kind.rule == rule)
                    subtable(kinds, kind_path(system.id, kind.id))
                        .insert_or_assign("thresholds", int_array(*thresholds));
    };
    set_thresholds(Rule::password_rotation, edits.thresholds_password);
    set_thresholds(Rule::certificate_validity, edits.thresholds_certificate);

    std::ostringstream os;
    os << "# credwatch site configuration (UTF-8). Written by `credwatch-service configure`\n"
          "# (e.g. from the installer's properties); reference: docs/catalog.md.\n\n"
       << root << "\n";
    return os.str();
}

Result<bool> edit_site_file(const std::filesystem::path& site_file, const SiteEdits& edits,
                            const std::filesystem::path& catalog_file) {
    std::error_code ec;
    std::string text;
    bool existed = std::filesystem::exists(site_file, ec);
    if (existed) {
        std::ifstream in(site_file, std::ios::binary);
        if (!in) return make_error(Errc::io_error, "cannot read " + site_file.string());
        std::ostringstream os;
        os << in.rdbuf();
        text = os.str();
    } else {
        text = embedded::site_toml;
    }
    if (existed && edits.empty()) return false;

    auto base = load_configuration(catalog_file, {});
    if (!base) return base.error();
    auto edited = edit_site_text(text, site_file.filename().string(), edits, base->catalog);
    if (!edited) return edited.error();

    std::filesystem::create_directories(site_file.parent_path(), ec);
    auto temp = site_file;
    temp += ".new";
    if (!write_file(temp, *edited))
        return make_error(Errc::io_error, "cannot write " + temp.string());
    auto check = load_configuration(catalog_file, temp);
    if (!check) {
        std::filesystem::remove(temp, ec);
        return make_error(Errc::catalog_invalid,
                          "the edited site configuration does not validate, " + site_file.string() +
                              " left unchanged:\n" + check.error().message);
    }
    std::filesystem::rename(temp, site_file, ec);  // MoveFileExW(REPLACE_EXISTING) on Windows
    if (ec) {
        std::filesystem::remove(temp, ec);
        return make_error(Errc::io_error,
                          "cannot replace " + site_file.string() + ": " + ec.message());
    }
    return true;
}

}  // namespace credwatch
