#include "command.hpp"

#include "credwatch/ipc/ipc_client.hpp"
#include "credwatch/ipc/json_codec.hpp"
#include "credwatch/platform/platform.hpp"
#include "output.hpp"

#include <ostream>

namespace credwatch::cli {

namespace json = boost::json;

Lang Context::language() const {
    return resolve_language(options.lang);
}

int Context::fail(const Error& error) const {
    const bool japanese = ja();
    err << "credwatch: " << (japanese ? "エラー: " : "error: ") << error.message << "\n";
    if (error.code == Errc::service_unavailable) {
        err << (japanese ? "credwatch サービスが起動していることを確認してください。\n"
                         : "Check that the credwatch service is running.\n");
        return kExitNoService;
    }
    return kExitError;
}

Result<json::value> Context::request(std::string_view method, json::object params) const {
    auto client = IpcClient::connect(platform::from_utf8(options.data_dir));
    if (!client) return client.error();
    params["client"] = "cli";
    return (*client)->call(method, std::move(params));
}

int Context::call(std::string_view method, json::object params,
                  const std::function<void(const json::value&)>& human) const {
    auto result = request(method, std::move(params));
    if (!result) return fail(result.error());
    if (options.json)
        print_json(out, *result);
    else
        human(*result);
    return kExitOk;
}

std::string str(const json::object& o, std::string_view key) {
    return string_field(o, key);
}

void add_json_flag(CLI::App& sub, GlobalOptions& options) {
    sub.add_flag("--json", options.json, "Machine-readable JSON output");
}

}  // namespace credwatch::cli
