// Editing DATA_DIR/site.toml from key=value settings (`credwatch-service configure`, the MSI's
// public properties): only the given keys change, empty values change nothing, the result
// validates, a bad value leaves the file as it was.

#include "credwatch/catalog/site_edit.hpp"

#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace credwatch;
using credwatch::test::read_file;
using credwatch::test::TempDir;
using credwatch::test::write_file;

namespace {

SiteEdits edits_of(const std::vector<std::string>& settings) {
    SiteEdits edits;
    for (auto& s : settings) {
        auto st = set_site_setting(edits, s);
        EXPECT_TRUE(st) << s << ": " << (st ? "" : st.error().message);
    }
    return edits;
}

Configuration load(const std::filesystem::path& site) {
    auto config = load_configuration({}, site);
    EXPECT_TRUE(config) << (config ? "" : config.error().message);
    return config ? *config : Configuration{};
}

const CredentialKind* find_kind(const Configuration& c, std::string_view system,
                                std::string_view kind) {
    return c.catalog.kind(system, kind);
}

}  // namespace

TEST(SiteEdit, EmptyValuesAreNotGiven) {
    auto edits =
        edits_of({"email.to=", "email.smtp_host=  ", "service.language=", "thresholds.password="});
    EXPECT_TRUE(edits.empty());
}

TEST(SiteEdit, RejectsUnknownKeysAndBadValues) {
    SiteEdits edits;
    EXPECT_FALSE(set_site_setting(edits, "email.smtp_hots=x"));
    EXPECT_FALSE(set_site_setting(edits, "no-equals-sign"));
    EXPECT_FALSE(set_site_setting(edits, "email.smtp_port=70000"));
    EXPECT_FALSE(set_site_setting(edits, "email.smtp_port=25a"));
    EXPECT_FALSE(set_site_setting(edits, "email.tls=ssl"));
    EXPECT_FALSE(set_site_setting(edits, "service.language=fr"));
    EXPECT_FALSE(set_site_setting(edits, "thresholds.password=1,7"));
    EXPECT_FALSE(set_site_setting(edits, "thresholds.certificate=30,-1"));
    EXPECT_TRUE(edits.empty());
}

TEST(SiteEdit, CreatesTheFileFromTheBundledDefaultWithTheGivenKeys) {
    TempDir dir;
    auto site = dir / "site.toml";
    auto edits = edits_of({"email.to=it@clinic.local, 事務長 <boss@clinic.local>",
                           "email.smtp_host=192.168.10.5", "email.smtp_port=25",
                           "email.from=credwatch <credwatch@clinic.local>", "email.tls=none",
                           "thresholds.password=21,14,7,3,1", "thresholds.certificate=90,30,7",
                           "service.certificate_folders=C:\\certs;D:\\ORCA\\証明書",
                           "service.organisation=○○クリニック", "service.language=ja"});
    auto changed = edit_site_file(site, edits, {});
    ASSERT_TRUE(changed) << changed.error().message;
    EXPECT_TRUE(*changed);
    auto c = load(site);
    EXPECT_TRUE(c.email.enabled);
    EXPECT_EQ(c.email.smtp_host, "192.168.10.5");
    EXPECT_EQ(c.email.smtp_port, 25);
    EXPECT_EQ(c.email.tls, "none");
    EXPECT_EQ(c.email.from, "credwatch <credwatch@clinic.local>");
    EXPECT_EQ(c.email.to,
              (std::vector<std::string>{"it@clinic.local", "事務長 <boss@clinic.local>"}));
    EXPECT_EQ(c.service.certificate_folders,
              (std::vector<std::string>{"C:\\certs", "D:\\ORCA\\証明書"}));
    EXPECT_EQ(c.service.organisation, "○○クリニック");
    EXPECT_EQ(c.service.language, "ja");
    ASSERT_NE(find_kind(c, "cancer-registry", "user-password"), nullptr);
    EXPECT_EQ(find_kind(c, "cancer-registry", "user-password")->thresholds,
              (std::vector<int>{21, 14, 7, 3, 1}));
    EXPECT_EQ(find_kind(c, "gtol", "user-password")->thresholds,
              (std::vector<int>{21, 14, 7, 3, 1}));
    EXPECT_EQ(find_kind(c, "orca-cloud", "client-certificate")->thresholds,
              (std::vector<int>{90, 30, 7}));
    EXPECT_EQ(find_kind(c, "cancer-registry", "service-certificate")->thresholds,
              (std::vector<int>{90, 30, 7}));
    // The bundled credentials are still tracked.
    EXPECT_EQ(c.credentials.size(), load_configuration({}, {})->credentials.size());
    EXPECT_EQ(read_file(site).find("password_file"), std::string::npos);
}

TEST(SiteEdit, OnlyTheGivenKeysChangeAndNothingGivenLeavesTheFileAlone) {
    TempDir dir;
    auto site = dir / "site.toml";
    ASSERT_TRUE(
        edit_site_file(site,
                       edits_of({"email.to=a@x.jp", "email.smtp_host=relay", "email.from=c@x.jp",
                                 "service.organisation=First", "thresholds.password=10,5"}),
                       {}));
    auto before = read_file(site);
    // An upgrade without properties: nothing changes, not even the bytes.
    auto unchanged = edit_site_file(site, edits_of({"email.to=", "service.organisation="}), {});
    ASSERT_TRUE(unchanged);
    EXPECT_FALSE(*unchanged);
    EXPECT_EQ(read_file(site), before);
    // An upgrade with one property: only that one changes.
    ASSERT_TRUE(edit_site_file(site, edits_of({"email.smtp_host=relay2"}), {}));
    auto c = load(site);
    EXPECT_EQ(c.email.smtp_host, "relay2");
    EXPECT_EQ(c.email.to, std::vector<std::string>{"a@x.jp"});
    EXPECT_EQ(c.service.organisation, "First");
    EXPECT_EQ(find_kind(c, "cancer-registry", "user-password")->thresholds,
              (std::vector<int>{10, 5}));
}

TEST(SiteEdit, KeepsWhatAnAdministratorWroteByHand) {
    TempDir dir;
    auto site = dir / "site.toml";
    write_file(site,
               "[service]\nlanguage = \"en\"\nevaluate_every_minutes = 15\n\n"
               "[metrics]\ntextfile = 'C:\\metrics\\credwatch.prom'\n\n"
               "[[credential]]\nid = \"gtol/pw\"\nsystem = \"gtol\"\nkind = \"user-password\"\n");
    ASSERT_TRUE(edit_site_file(site, edits_of({"service.organisation=Clinic"}), {}));
    auto c = load(site);
    EXPECT_EQ(c.service.language, "en");
    EXPECT_EQ(c.service.evaluate_every_minutes, 15);
    EXPECT_EQ(c.service.organisation, "Clinic");
    EXPECT_EQ(c.metrics.textfile, "C:\\metrics\\credwatch.prom");
    ASSERT_EQ(c.credentials.size(), 1u);
    EXPECT_EQ(c.credentials[0].id, "gtol/pw");
    EXPECT_FALSE(c.email.enabled);
}

// Notepad saves UTF-8 with a byte-order mark: such a file is edited like any other.
TEST(SiteEdit, AFileSavedWithAByteOrderMarkIsEdited) {
    TempDir dir;
    auto site = dir / "site.toml";
    write_file(site, "\xEF\xBB\xBF# 設定\n[service]\norganisation = \"テストクリニック\"\n");
    auto edited = edit_site_file(site, edits_of({"service.language=en"}), {});
    ASSERT_TRUE(edited) << edited.error().message;
    auto c = load(site);
    EXPECT_EQ(c.service.language, "en");
    EXPECT_EQ(c.service.organisation, "テストクリニック");
}

TEST(SiteEdit, AnEditThatDoesNotValidateLeavesTheFileAsItWas) {
    TempDir dir;
    auto site = dir / "site.toml";
    // Certificate thresholds are fine alone; an invalid sender address is refused by the parser.
    ASSERT_TRUE(edit_site_file(site, edits_of({"service.organisation=A"}), {}));
    auto before = read_file(site);
    auto bad = edit_site_file(
        site, edits_of({"email.to=a@x.jp", "email.smtp_host=relay", "email.from=not an address <"}),
        {});
    EXPECT_FALSE(bad);
    EXPECT_EQ(read_file(site), before);
    EXPECT_FALSE(std::filesystem::exists(dir / "site.toml.new"));
}

TEST(SiteEdit, AnUnreadableExistingFileIsAnError) {
    TempDir dir;
    auto site = dir / "site.toml";
    write_file(site, "[service\nlanguage = ");
    EXPECT_FALSE(edit_site_file(site, edits_of({"service.language=ja"}), {}));
    EXPECT_EQ(read_file(site), "[service\nlanguage = ");
}

TEST(SiteEdit, TheSystemsASiteUsesFromTheInstaller) {
    TempDir dir;
    auto site = dir / "site.toml";
    ASSERT_TRUE(
        edit_site_file(site, edits_of({"service.systems=cancer-registry, orca-cloud"}), {}));
    auto c = load(site);
    ASSERT_TRUE(c.service.systems.has_value());
    EXPECT_EQ(*c.service.systems, (std::vector<std::string>{"cancer-registry", "orca-cloud"}));
    EXPECT_EQ(c.credentials.size(), 8u) << "the bundled credentials stay defined";
    // Semicolons too; an empty value keeps the setting.
    ASSERT_TRUE(edit_site_file(site, edits_of({"service.systems=gtol;orca-cloud"}), {}));
    EXPECT_EQ(*load(site).service.systems, (std::vector<std::string>{"gtol", "orca-cloud"}));
    ASSERT_TRUE(edit_site_file(site, edits_of({"service.systems="}), {}));
    EXPECT_EQ(load(site).service.systems->size(), 2u);
    // An unknown id is refused with its name, the file left as it was.
    auto refused = edit_site_file(site, edits_of({"service.systems=cancer-registry,orca"}), {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("unknown system \"orca\""), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(*load(site).service.systems, (std::vector<std::string>{"gtol", "orca-cloud"}));
}

TEST(SiteEdit, MetricsSettingsFromTheInstaller) {
    TempDir dir;
    auto site = dir / "site.toml";
    ASSERT_TRUE(edit_site_file(site,
                               edits_of({"metrics.textfile=C:\\Program Files\\windows_exporter\\"
                                         "textfile_inputs\\credwatch.prom",
                                         "metrics.site_id=clinic-0042", "metrics.account=U0042",
                                         "service.organisation=山田クリニック"}),
                               {}));
    auto c = load(site);
    EXPECT_EQ(c.metrics.textfile,
              "C:\\Program Files\\windows_exporter\\textfile_inputs\\credwatch.prom");
    EXPECT_EQ(c.metrics.site_id, "clinic-0042");
    EXPECT_EQ(c.metrics.account, "U0042");
    // An upgrade without the properties keeps them.
    ASSERT_TRUE(edit_site_file(site, edits_of({"metrics.site_id=", "metrics.account="}), {}));
    EXPECT_EQ(load(site).metrics.site_id, "clinic-0042");
    // A textfile the exporters would not read is refused, the file left as it was.
    auto refused = edit_site_file(site, edits_of({"metrics.textfile=C:\\m\\credwatch.txt"}), {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("must end in .prom"), std::string::npos);
    EXPECT_EQ(load(site).metrics.site_id, "clinic-0042");
}

TEST(SiteEdit, TheInstallerCannotTurnOffTlsUnderAnSmtpAccountToARemoteRelay) {
    TempDir dir;
    auto site = dir / "site.toml";
    write_file(site,
               "[email]\nsmtp_host = \"localhost\"\ntls = \"none\"\nusername = \"clinic01\"\n"
               "password_file = \"smtp.pass\"\n");
    auto before = read_file(site);
    auto refused = edit_site_file(site, edits_of({"email.smtp_host=relay.example.jp"}), {});
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("allow_plaintext_auth"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("\"tls\""), std::string::npos)
        << refused.error().message;
    EXPECT_EQ(read_file(site), before);
    EXPECT_TRUE(edit_site_file(site, edits_of({"email.tls=starttls"}), {}));
    EXPECT_TRUE(edit_site_file(site, edits_of({"email.smtp_host=relay.example.jp"}), {}));
}
