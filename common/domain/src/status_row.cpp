#include "credwatch/domain/status_row.hpp"

namespace credwatch {

StatusRow make_status_row(const Credential& c, const System* system, const CredentialKind* kind,
                          const Evaluation& e) {
    StatusRow row;
    row.id = c.id;
    row.system = c.system;
    row.kind = c.kind;
    row.label = c.label;
    row.owner = c.owner;
    if (system) {
        row.system_name_ja = system->name_ja;
        row.system_name_en = system->name_en;
    }
    if (kind) {
        row.rule = kind->rule;
        row.kind_name_ja = kind->name_ja;
        row.kind_name_en = kind->name_en;
        row.procedures = kind->procedures;
        if (kind->rule == Rule::issuance_quota) {
            row.issued = e.issued;
            row.limit = e.limit;
            row.issued_here = c.issued_here;
        }
    }
    row.deadline = e.deadline;
    row.deadline_date = e.deadline_date;
    row.days_left = e.days_left;
    row.state = e.state;
    row.reason = e.reason;
    row.estimated = e.estimated;
    row.generation = c.generation;
    row.renewed_on = c.renewed_on;
    if (!c.certificate_sha256.empty()) {
        row.certificate_sha256 = c.certificate_sha256;
        row.certificate_location = c.certificate_location;
    }
    row.document_path = c.document_path;
    return row;
}

}  // namespace credwatch
