// The website channel (政府网站, 第一平台): a static site in Chinese written into a web root.
//
//   <web_root>/<unit>/index.html             the latest items, and the monthly archives
//   <web_root>/<unit>/archive/YYYY-MM.html   every item first published that month
//   <web_root>/<unit>/items/<item>/index.html            the release (发布), linking to:
//   <web_root>/<unit>/items/<item>/interpretation.html   its interpretation (解读)
//   <web_root>/<unit>/items/<item>/response-<n>.html     each answered concern (回应)
//   <web_root>/<unit>/feed.xml, feed.json    Atom 1.0 and JSON Feed 1.1 of the latest items
//   <web_root>/<province>/pilot/index.html   the province's special-topic page (试点工作专题,
//                                            adapters/channels/province_topic.h), regenerated
//                                            after each delivery when given TopicPages
//   <web_root>/<unit>/.gongkai/              the adapter's state: index.json (a summary per item,
//                                            from which index, archives and feeds are rebuilt),
//                                            items/<item>.json (the item's last document and its
//                                            history), a lock file
//
// Every file is replaced atomically (temporary file, fsync, rename). A delivery rewrites only its
// item's pages, the unit's index, the item's archive month and the feeds. Idempotent: a repeated
// delivery writes the same bytes; a delivery older than what the site shows (a retried release
// arriving after the withdrawal) changes nothing. Withdrawn items show 已撤回 and no content;
// an item being corrected shows the notice and the last released revision; every revision's
// release is listed in the item's history, and so is the end of a notice period (notice_served,
// 公示期满: the page's notice period section says so from then on). Everything from the document is
// HTML-escaped.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "gongkai/channel.h"
#include "gongkai/definitions.h"

namespace gongkai::channels {

struct WebsiteOptions {
  std::string channel = "website";  // the channel id served
  std::filesystem::path web_root;   // the site of unit U is <web_root>/U/
  std::string base_url;             // e.g. "https://gk.example.gov.cn" (optional): absolute
                                    // links in the feeds; <base_url>/<unit>/ is the unit's site
  std::size_t index_items = 100;    // items on index.html
  std::size_t feed_items = 50;      // entries in each feed
  // Make each delivery atomic and durable (temporary files, syncfs, renames, syncfs). A
  // simulation's site turns it off: files are rewritten in place without syncs — a reader may see
  // a file half rewritten and a crash may lose the last ones, but thousands of deliveries do not
  // churn the filesystem's inodes (docs/simulation.md).
  bool durable = true;
};

// The province special-topic pages a website adapter keeps (adapters/channels/province_topic.h).
struct TopicPages {
  // The definitions in force (e.g. the engine's latest), asked at each delivery: with them, the
  // special-topic page of the delivered unit's province is regenerated after the unit's files
  // (a failure to write it is a transient failure: the delivery is retried). Empty: no topic
  // pages.
  std::function<std::shared_ptr<const DefinitionSet>()> definitions;
  std::size_t releases = 10;  // latest releases per unit on the page
};

// Thread-safe; several processes may write the same web root (a lock file per unit).
class WebsiteChannel : public Channel {
 public:
  explicit WebsiteChannel(WebsiteOptions options, TopicPages topic = {});
  ~WebsiteChannel() override;

  std::string id() const override;
  // Writes the item's pages, the unit's index and feeds. A bad document (not JSON, ids that
  // cannot name a file) is a permanent failure; a file that cannot be written a transient one.
  DeliveryOutcome deliver(const Delivery& delivery) override;

  // Files written since construction (for tests and the benchmark).
  std::int64_t files_written() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gongkai::channels
