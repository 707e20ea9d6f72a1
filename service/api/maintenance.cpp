// backup, and the "store" object of the status (docs/reliability.md).

#include "api.hpp"

#include "credwatch/base/strings.hpp"
#include "credwatch/store/integrity.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <system_error>

namespace credwatch::api {

namespace json = boost::json;
namespace fs = std::filesystem;

json::object store_status(const Context& context) {
    if (!context.store_health) return json::object{{"integrity", "unknown"}};
    return to_json(*context.store_health);
}

Reply backup(Context& context, const Params& params, const Peer& peer) {
    auto output = protocol::optional_string(params, "output");
    if (!output) return output.error();
    const fs::path database = context.data_dir / "credwatch.db";
    fs::path written;
    if (*output) {
        const fs::path target(std::u8string((*output)->begin(), (*output)->end()));
        if (!target.is_absolute())
            return make_error(Errc::invalid_argument,
                              fmt::format("backup output \"{}\" must be an absolute path (the "
                                          "service does not run in your folder)",
                                          **output));
        std::error_code ec;
        if (fs::exists(target, ec))
            return make_error(Errc::already_exists,
                              fmt::format("backup output {} already exists: choose another name "
                                          "or remove it first",
                                          **output));
        if (auto st = write_backup(database, target); !st) return st.error();
        written = target;
    } else {
        const fs::path folder = context.store_maintenance
                                    ? context.store_maintenance->backup_folder()
                                    : backup_folder_for(database);
        auto file = write_rotated_backup(database, folder, context.clock.now());
        if (!file) return file.error();
        written = *file;
        if (context.store_maintenance) {
            auto rotated = rotate_backups(folder, context.store_maintenance->policy());
            if (!rotated) spdlog::warn("backup rotation: {}", rotated.error().message);
        }
    }
    std::error_code ec;
    const auto bytes = fs::file_size(written, ec);
    spdlog::info("database backup {} written for {}", path_to_utf8(written), peer.user);
    return json::value(json::object{{"file", path_to_utf8(written)},
                                    {"bytes", ec ? std::uint64_t{0} : std::uint64_t{bytes}},
                                    {"integrity", "ok"}});
}

}  // namespace credwatch::api
