#pragma once
// The symptom guide: the exact messages staff see when a connection fails, as the manuals
// print them, with what to do and the checks that would show the cause. The catalog reads them
// ([[system.symptom]], a site's [[symptom]]); the service answers them ("symptoms"), the tray
// and `credwatch symptoms` show them (docs/doctor.md). No I/O here.

#include <string>
#include <vector>

namespace credwatch {

struct Symptom {
    std::string system;  // catalog system id
    std::string message_ja, message_en;
    std::string what_to_do_ja, what_to_do_en;
    std::string manual;  // the manual and section it comes from
    // The checks that would show the cause, as check paths ("cancer-registry/resolve-mio").
    std::vector<std::string> checks;
};

}  // namespace credwatch
