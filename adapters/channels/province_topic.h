// The special-topic page of a pilot province (试点工作专题, asked of each province's website by
// 国办发〔2017〕42号 五(三)): one page per province that lists its pilot units, each unit's
// catalogue (the item standards that apply to it: name, legal basis, time limit, notice period,
// channels) and its latest releases linked to their pages on the unit's site.
//
//   <web_root>/<province>/pilot/index.html       the page (self-contained HTML, UTF-8)
//   <web_root>/<province>/pilot/.gongkai/lock    serialises writers of the page
//
// The releases are those the website shows: read from each unit's site state
// (<web_root>/<unit>/.gongkai/site.json, written by WebsiteChannel), so every link points to a
// page that exists. The catalogue comes from the definitions (DefinitionSet::standards_for_unit).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gongkai/definitions.h"
#include "gongkai/status.h"

namespace gongkai::channels {

// One release of a unit as the topic page lists it.
struct TopicRelease {
  std::string item_id;
  std::string title;
  std::string subject;             // the standard's name (二级事项, else 一级事项)
  std::string status;              // "released" or "correcting" (withdrawn items are not listed)
  std::string published_at;        // RFC 3339; the date shown
  std::string first_published_at;  // RFC 3339; the order (newest first)
};

// How many releases per unit the page lists.
inline constexpr std::size_t kTopicReleasesPerUnit = 10;

// The page of `province`: its name, its group's domains and its own, then every pilot unit of the
// province in the order of units.json with its latest releases (at most `releases_per_unit`,
// newest first publication first; `releases` by unit id, each list in any order) and its
// catalogue. A unit with an entry in `releases` (even an empty one) has a site in the same web
// root and is linked to it; a unit without one is not. Everything from the definitions and the
// releases is HTML-escaped. Deterministic: the same input gives the same bytes.
std::string render_province_topic(const DefinitionSet& definitions, const Province& province,
                                  const std::map<std::string, std::vector<TopicRelease>>& releases,
                                  std::size_t releases_per_unit = kTopicReleasesPerUnit);

// The releases the site of `unit_id` under `web_root` shows (its state's newest items), withdrawn
// ones left out; std::nullopt when the unit has no site there. Errors: invalid_json when the
// state exists but does not read.
Result<std::optional<std::vector<TopicRelease>>> read_unit_releases(
    const std::filesystem::path& web_root, const std::string& unit_id);

// What writing a province page did.
struct TopicWrite {
  std::filesystem::path path;
  std::size_t units = 0;
  std::size_t releases = 0;  // releases listed, all units together
  bool changed = false;      // false: the page already held these bytes (nothing written)
};

// Renders the page of `province_id` from the definitions and the unit sites under `web_root` and
// replaces <web_root>/<province_id>/pilot/index.html atomically (temporary file, fsync, rename,
// folder fsync) under the page's lock; an unchanged page is not rewritten. Safe to call from
// several threads and processes at once: the last writer reads every unit's state after taking
// the lock. Errors: unit_not_found (no such province), invalid_json (a unit's state does not
// read), storage_error (the file cannot be written).
Result<TopicWrite> write_province_topic(const std::filesystem::path& web_root,
                                        const DefinitionSet& definitions,
                                        const std::string& province_id,
                                        std::size_t releases_per_unit = kTopicReleasesPerUnit);

}  // namespace gongkai::channels
