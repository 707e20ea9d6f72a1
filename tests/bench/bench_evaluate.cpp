// Benchmark: evaluate 100,000 credentials (rules + reminder decision), target < 100 ms.
// Prints figures; it is not a test. Usage: bench_evaluate [COUNT] [ROUNDS]

#include "credwatch/domain/reminders.hpp"
#include "credwatch/domain/rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <vector>

using namespace credwatch;
using namespace std::chrono;

int main(int argc, char** argv) {
    const std::size_t count = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 100000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;

    std::vector<CredentialKind> kinds(4);
    kinds[0].rule = Rule::password_rotation;
    kinds[0].lifetime_days = 60;
    kinds[0].thresholds = {14, 7, 3, 1};
    kinds[0].overdue_repeat_days = 1;
    kinds[1].rule = Rule::certificate_validity;
    kinds[1].thresholds = {60, 30, 14, 7, 3, 1};
    kinds[2].rule = Rule::issuance_quota;
    kinds[2].limit = 6;
    kinds[2].thresholds = {1, 0};
    kinds[3].rule = Rule::document_age;
    kinds[3].lifetime_days = 60;
    kinds[3].thresholds = {14, 7, 3, 1};

    TimePoint now = system_clock::now();
    Date today = local_date(now);
    std::vector<Credential> credentials(count);
    for (std::size_t i = 0; i < count; ++i) {
        Credential& c = credentials[i];
        c.id = fmt::format("site{}/credential{}", i / 8, i);
        int spread = static_cast<int>(i % 400) - 100;  // some overdue, most ok, some due soon
        switch (i % 4) {
            case 0:
            case 3:
                c.renewed_on = add_days(today, spread - 60);
                break;
            case 1:
                c.not_after = now + hours{24 * spread};
                break;
            case 2:
                c.issued = static_cast<int>(i % 7);
                break;
        }
    }
    const std::set<std::string> none_fired;

    std::vector<double> ms;
    std::size_t due_total = 0;
    for (int r = 0; r < rounds; ++r) {
        auto start = steady_clock::now();
        std::size_t due = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const CredentialKind& k = kinds[i % 4];
            Evaluation e = evaluate(credentials[i], k, now);
            if (due_reminder(credentials[i], k, e, today, none_fired)) ++due;
        }
        ms.push_back(duration<double, std::milli>(steady_clock::now() - start).count());
        due_total = due;
    }
    std::sort(ms.begin(), ms.end());
    fmt::print(
        "evaluate: {} credentials, {} rounds: best {:.1f} ms, median {:.1f} ms, worst {:.1f} ms "
        "({} reminders due per round)\n",
        count, rounds, ms.front(), ms[ms.size() / 2], ms.back(), due_total);
    fmt::print("target: < 100 ms per {} credentials -> {}\n", count,
               ms[ms.size() / 2] < 100 ? "met" : "NOT met");
    return 0;
}
