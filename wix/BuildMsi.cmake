# Builds the credwatch MSI with wixl (cmake -P script, run by the `msi` target of wix/CMakeLists.txt
# and by scripts/test-msi.sh for a second version). Variables (-D):
#   SOURCE_DIR   the source tree (wix/credwatch.wxs, config/, README.md, docs/deployment.md)
#   STAGE_DIR    a scratch folder (emptied)         OUTPUT   the .msi to write
#   VERSION      X.Y.Z                               WIXL, MSIBUILD   the programs
#   SERVICE_EXE, CLI_EXE                             required
#   TRAY_EXE, TRAY_MO, WX_MO                         optional (empty or missing: left out)
#   STRIP        optional: strip the debug information from the staged .exe files (the build
#                keeps it; the package is then about 4 times smaller)
foreach(v SOURCE_DIR STAGE_DIR OUTPUT VERSION WIXL MSIBUILD SERVICE_EXE CLI_EXE)
    if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
        message(FATAL_ERROR "BuildMsi.cmake: ${v} is not set")
    endif()
endforeach()
if(NOT VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
    message(FATAL_ERROR "BuildMsi.cmake: VERSION must be X.Y.Z (MSI compares the first three fields), got ${VERSION}")
endif()

file(REMOVE_RECURSE "${STAGE_DIR}")
file(MAKE_DIRECTORY "${STAGE_DIR}")
file(COPY_FILE "${SERVICE_EXE}" "${STAGE_DIR}/credwatch-service.exe")
file(COPY_FILE "${CLI_EXE}" "${STAGE_DIR}/credwatch.exe")
file(COPY_FILE "${SOURCE_DIR}/config/catalog.toml" "${STAGE_DIR}/catalog.toml")
file(COPY_FILE "${SOURCE_DIR}/config/site.toml" "${STAGE_DIR}/site.toml")
file(COPY_FILE "${SOURCE_DIR}/README.md" "${STAGE_DIR}/README.md")
file(COPY_FILE "${SOURCE_DIR}/docs/deployment.md" "${STAGE_DIR}/deployment.md")
set(defines -D "Version=${VERSION}")
if(TRAY_EXE AND EXISTS "${TRAY_EXE}")
    file(COPY_FILE "${TRAY_EXE}" "${STAGE_DIR}/credwatch-tray.exe")
    list(APPEND defines -D TrayExe=1)
    if(TRAY_MO AND EXISTS "${TRAY_MO}")
        file(COPY_FILE "${TRAY_MO}" "${STAGE_DIR}/credwatch-tray.mo")
        list(APPEND defines -D TrayMo=1)
        if(WX_MO AND EXISTS "${WX_MO}")
            file(COPY_FILE "${WX_MO}" "${STAGE_DIR}/wxstd-3.2.mo")
            list(APPEND defines -D WxMo=1)
        endif()
    endif()
endif()

if(STRIP)
    file(GLOB staged_exes "${STAGE_DIR}/*.exe")
    foreach(exe IN LISTS staged_exes)
        execute_process(COMMAND "${STRIP}" --strip-debug "${exe}" RESULT_VARIABLE rc)
        if(NOT rc EQUAL 0)
            message(FATAL_ERROR "${STRIP} --strip-debug ${exe} failed")
        endif()
    endforeach()
endif()

file(REMOVE "${OUTPUT}")
execute_process(COMMAND "${WIXL}" -a x64 -o "${OUTPUT}" ${defines} "${SOURCE_DIR}/wix/credwatch.wxs"
                WORKING_DIRECTORY "${STAGE_DIR}" RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_VARIABLE out)
# wixl can print an error (e.g. "libmsi_query_execute") and still exit 0 without writing the file.
if(NOT rc EQUAL 0 OR NOT EXISTS "${OUTPUT}")
    message(FATAL_ERROR "wixl failed (${rc}):\n${out}${err}")
endif()

# What wixl 0.101 cannot express (see the comments in credwatch.wxs):
#  - RemoveExistingProducts right after InstallValidate (wixl puts it after InstallServices);
#  - the public properties in SecureCustomProperties (no Property/@Secure in wixl);
#  - MajorUpgrade/@AllowSameVersionUpgrades: the upgrade range includes its maximum (attribute
#    512, VersionMaxInclusive), so a rebuilt package of the same version (a new ProductCode)
#    replaces the installed one instead of being installed beside it.
# (Attributes is part of the Upgrade table's key: the row is replaced, not updated.)
file(STRINGS "${SOURCE_DIR}/wix/credwatch.wxs" upgrade_line REGEX "UpgradeCode=\"[-0-9A-Fa-f]+\"")
string(REGEX MATCH "UpgradeCode=\"([-0-9A-Fa-f]+)\"" _ "${upgrade_line}")
set(upgrade_code "{${CMAKE_MATCH_1}}")
set(secure "WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;CW_EMAIL_TO;CW_SMTP_HOST;CW_SMTP_PORT;CW_SMTP_FROM;CW_SMTP_TLS;CW_THRESHOLDS_PASSWORD;CW_THRESHOLDS_CERTIFICATE;CW_CERT_FOLDERS;CW_ORGANISATION;CW_LANGUAGE;CW_SYSTEMS;CW_METRICS_TEXTFILE;CW_SITE_ID;CW_ACCOUNT")
foreach(sql
        "UPDATE `InstallExecuteSequence` SET `Sequence` = 1450 WHERE `Action` = 'RemoveExistingProducts'"
        "UPDATE `Property` SET `Value` = '${secure}' WHERE `Property` = 'SecureCustomProperties'"
        "DELETE FROM `Upgrade` WHERE `ActionProperty` = 'WIX_UPGRADE_DETECTED'"
        "INSERT INTO `Upgrade` (`UpgradeCode`, `VersionMax`, `Attributes`, `ActionProperty`) VALUES ('${upgrade_code}', '${VERSION}', 513, 'WIX_UPGRADE_DETECTED')")
    execute_process(COMMAND "${MSIBUILD}" "${OUTPUT}" -q "${sql}" RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        file(REMOVE "${OUTPUT}")
        message(FATAL_ERROR "msibuild failed on ${sql}: ${err}")
    endif()
endforeach()
message(STATUS "Wrote ${OUTPUT} (credwatch ${VERSION})")
