// symptoms: the symptom guide of the site's systems (docs/doctor.md).

#include "api.hpp"

namespace credwatch::api {

namespace json = boost::json;

Reply symptoms(Context& context, const Params&, const Peer&) {
    const Configuration& config = context.config;
    json::array out;
    for (const auto& s : config.symptoms) {
        if (!config.service.uses_system(s.system)) continue;
        json::array checks;
        for (const auto& c : s.checks) checks.emplace_back(c);
        out.push_back(json::object{{"system", s.system},
                                   {"message_ja", s.message_ja},
                                   {"message_en", s.message_en},
                                   {"what_to_do_ja", s.what_to_do_ja},
                                   {"what_to_do_en", s.what_to_do_en},
                                   {"manual", s.manual},
                                   {"checks", std::move(checks)}});
    }
    return json::value(json::object{{"symptoms", std::move(out)}});
}

}  // namespace credwatch::api
