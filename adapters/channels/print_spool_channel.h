// The print spool channel, for what is put up on paper: bulletin boards (公示栏), service halls
// (政务服务中心), convenience windows (便民服务站), reading points (公开查阅点) and newspapers.
//
// Each delivery becomes one print-ready A4 HTML document (`@page { size: A4 }`, in Chinese: unit,
// kind of notice, title, content, the interpretation and responses, legal basis, responsible body,
// time limit, date) named <delivery id>.html in the spool folder, and an entry in the folder's
// manifest.json:
//
//   {"format": 1, "files": [{"file": "gk-000001-v4-bulletin_board.html", "delivery": "...",
//     "item": "gk-000001", "item_version": 4, "unit": "alpha.one", "channel": "bulletin_board",
//     "kind": "release", "title": "...", "created_at": "<the event's instant>",
//     "spooled_at": "<when the file was written>"}, ...]}
//
// Files and the manifest are replaced atomically; writers of one folder (threads or processes)
// take its lock file. Idempotent by delivery id: a delivery already in the manifest (with its file)
// changes nothing. A withdrawal prints a withdrawal notice without the content; a correction prints
// a notice that a corrected revision follows after review (its text is not yet approved); the end
// of a notice period (notice_served) prints a 公示期满 notice with the period, without the content
// (the paper of the release is still up).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "gongkai/channel.h"
#include "gongkai/status.h"

namespace gongkai::channels {

struct PrintSpoolOptions {
  std::string channel = "bulletin_board";  // the channel id served
  std::string channel_name;  // e.g. "社区/村公示栏(电子屏)", printed in the header
  std::filesystem::path spool_dir;
};

class PrintSpoolChannel : public Channel {
 public:
  explicit PrintSpoolChannel(PrintSpoolOptions options);
  ~PrintSpoolChannel() override;

  std::string id() const override;
  DeliveryOutcome deliver(const Delivery& delivery) override;

 private:
  PrintSpoolOptions options_;
};

// The A4 HTML document for one delivery (exposed for tests). Errors: those of a bad document
// (invalid_json, invalid_argument).
Result<std::string> print_document(const Delivery& delivery, const std::string& channel_name);

}  // namespace gongkai::channels
