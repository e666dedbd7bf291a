// The HTML report in a real browser: Debian's headless Chromium renders the page built from a
// recorded history, takes a screenshot, and reports no console message (the page has no script;
// a console line means an error such as a blocked load). A page that does log is caught, so the
// check can fail. Chromium is required: tools/setup.sh installs it; the test fails without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "adapters/report/report_renderers.h"
#include "gongkai/engine.h"
#include "support/assessment_scenario.h"
#include "support/temp_dir.h"

namespace gongkai {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The chromium binary on PATH; empty when there is none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser"}) {
      const fs::path candidate = fs::path(dir) / name;
      std::error_code ec;
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  }
  return "";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct BrowserRun {
  int exit_code = -1;
  std::string out;  // stdout (the DOM with --dump-dom)
  std::string err;  // stderr (the log)
};

// Runs headless Chromium on `page` with `mode` ("--screenshot=..." or "--dump-dom"), logging to
// stderr, with its own profile directory under `scratch`.
BrowserRun run_chromium(const std::string& chromium, const fs::path& page, const std::string& mode,
                        const fs::path& scratch, const std::string& tag) {
  const fs::path out = scratch / (tag + ".out");
  const fs::path err = scratch / (tag + ".err");
  const std::string command =
      shell_quote(chromium) +
      " --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions"
      " --enable-logging=stderr --v=0 --window-size=1280,2000 --user-data-dir=" +
      shell_quote((scratch / (tag + ".profile")).string()) + " " + mode + " " +
      shell_quote("file://" + page.string()) + " >" + shell_quote(out.string()) + " 2>" +
      shell_quote(err.string());
  BrowserRun run;
  const int status = std::system(command.c_str());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  run.out = gongkai::testing::read_file(out);
  run.err = gongkai::testing::read_file(err);
  return run;
}

// The console lines of a Chromium log ("...:INFO:CONSOLE(1)] ..." or ":CONSOLE:1] ...") and any
// failed load ("net::ERR_...").
std::vector<std::string> console_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::stringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find(":CONSOLE") != std::string::npos || line.find("net::ERR_") != std::string::npos)
      lines.push_back(line);
  }
  return lines;
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = find_chromium();
    ASSERT_FALSE(chromium_.empty())
        << "chromium is not installed (Debian package `chromium`; tools/setup.sh installs it)";
  }
  std::string chromium_;
  gongkai::testing::TempDir dir_;
};

TEST_F(ReportBrowserTest, TheHtmlReportRendersWithoutConsoleErrors) {
  auto engine = gongkai::testing::build_scenario(dir_.file("scenario.db"));
  ASSERT_TRUE(engine);
  AssessmentQuery march;
  march.from = gongkai::testing::at("2026-03-01T00:00:00+08:00");
  march.to = gongkai::testing::at("2026-04-01T00:00:00+08:00");
  auto assessment = assess(*engine, march);
  ASSERT_TRUE(assessment.ok()) << assessment.status().to_string();
  const fs::path page = dir_.path() / "report.html";
  gongkai::testing::write_file(page, report::render_html(*assessment));

  // The screenshot.
  const fs::path png = dir_.path() / "report.png";
  auto shot = run_chromium(chromium_, page, "--screenshot=" + png.string(), dir_.path(), "shot");
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  EXPECT_THAT(console_lines(shot.err), ::testing::IsEmpty()) << shot.err;
  ASSERT_TRUE(fs::exists(png)) << shot.err;
  const std::string image = gongkai::testing::read_file(png);
  ASSERT_GT(image.size(), 24u);
  EXPECT_EQ(image.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  // IHDR: width and height, big-endian, at bytes 16..23.
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(image[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(image[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(image[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(image[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);
  EXPECT_EQ(be32(20), 2000u);
  // A blank 1280×2000 page compresses to a few kilobytes; tables, text and bars do not.
  EXPECT_GT(image.size(), 40000u) << "the screenshot looks blank";
  // Keep the screenshot where a person can look at it.
  const char* keep = std::getenv("GONGKAI_REPORT_SCREENSHOT");
  if (keep && *keep) fs::copy_file(png, keep, fs::copy_options::overwrite_existing);

  // The DOM after loading: the charts are there, with their bars.
  auto dom = run_chromium(chromium_, page, "--dump-dom", dir_.path(), "dom");
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  EXPECT_THAT(console_lines(dom.err), ::testing::IsEmpty()) << dom.err;
  EXPECT_THAT(dom.out, HasSubstr("<svg id=\"chart-response-times\""));
  EXPECT_THAT(dom.out, HasSubstr("<svg id=\"chart-units-publication\""));
  EXPECT_THAT(dom.out, HasSubstr("一县"));
  const std::regex rect("<rect ");
  const auto rects = std::distance(std::sregex_iterator(dom.out.begin(), dom.out.end(), rect),
                                   std::sregex_iterator());
  EXPECT_GE(rects, 20);
}

// The console check itself: a page that logs an error and throws is caught.
TEST_F(ReportBrowserTest, AConsoleErrorIsDetected) {
  const fs::path page = dir_.path() / "bad.html";
  gongkai::testing::write_file(page,
                               "<!DOCTYPE html><html><body><p>x</p><script>console.error('boom');"
                               "missing_function();</script></body></html>\n");
  auto run = run_chromium(chromium_, page, "--dump-dom", dir_.path(), "bad");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto lines = console_lines(run.err);
  ASSERT_EQ(lines.size(), 2u) << run.err;
  EXPECT_THAT(lines[0], HasSubstr("boom"));
  EXPECT_THAT(lines[1], HasSubstr("missing_function"));
}

}  // namespace
}  // namespace gongkai
