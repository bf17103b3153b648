#pragma once
// Private to lib/spec: the repodata record reader shared by parse_repodata and RepodataIndex.

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "lib/spec/package_record.h"
#include "lib/util/result.h"

namespace envlock::spec::detail {

/// An ErrorKind::input for JSON that simdjson rejected, with the line:column nlohmann finds.
Error json_location_error(std::string_view json, const std::string& source);

/// Whether a "a b" / "a,b" string is accepted where a list of strings is expected.
enum class Joined { rejected, split };

/// A JSON list of strings (null is empty). Fails with ErrorKind::input naming `where` and
/// `field` when `value` is anything else.
Result<std::vector<std::string>> string_list(simdjson::dom::element value, const std::string& where,
                                             const char* field, Joined joined = Joined::rejected);

/// One record of repodata: `fn` is its key, `repo` gives info.subdir and base_url. Fails with
/// ErrorKind::input naming the record when a field has the wrong type or name/version lack.
Result<PackageRecord> parse_record(std::string_view fn, simdjson::dom::element value,
                                   const Repodata& repo, const std::string& source);

}  // namespace envlock::spec::detail
