// Google Benchmark micro-benchmarks of gongkai's hot paths: the lifecycle machine against a
// hand-written switch, event hashing, working-day arithmetic.
#include <benchmark/benchmark.h>

#include "engine/lifecycle.h"
#include "gongkai/calendar.h"
#include "gongkai/engine.h"
#include "gongkai/event.h"

namespace {

using namespace gongkai;

void BM_LifecycleFire(benchmark::State& state) {
  Item item;
  item.concerns.push_back(Concern{});
  ItemStandard standard;
  TransitionInput in;
  in.item = &item;
  in.standard = &standard;
  in.actor = "r";
  in.text = "t";
  in.concern = 1;
  Lifecycle machine;
  machine.place_in(Stage::response);
  int i = 0;
  for (auto _ : state) {
    in.event = (i++ & 1) ? EventType::respond : EventType::raise_concern;
    benchmark::DoNotOptimize(machine.fire(in));
  }
}
BENCHMARK(BM_LifecycleFire);

int next_stage(int stage, int event) {
  switch (stage * 16 + event) {
    case 0 * 16 + 1:
      return 1;
    case 1 * 16 + 2:
      return 2;
    case 4 * 16 + 6:
      return 4;
    case 4 * 16 + 7:
      return 4;
    default:
      return -1;
  }
}

void BM_HandWrittenSwitch(benchmark::State& state) {
  int i = 0;
  for (auto _ : state) {
    int stage = 4;
    benchmark::DoNotOptimize(stage);
    benchmark::DoNotOptimize(next_stage(stage, 6 + (i++ & 1)));
  }
}
BENCHMARK(BM_HandWrittenSwitch);

void BM_PlaceInStage(benchmark::State& state) {
  for (auto _ : state) {
    Lifecycle machine;
    machine.place_in(Stage::response);
    benchmark::DoNotOptimize(machine.stage());
  }
}
BENCHMARK(BM_PlaceInStage);

void BM_EventHash(benchmark::State& state) {
  Event e;
  e.seq = 123456;
  e.item_id = "gk-000042";
  e.item_seq = 7;
  e.type = "raise_concern";
  e.actor = "responder";
  e.payload = std::string(300, 'x');
  for (auto _ : state) benchmark::DoNotOptimize(event_hash(e));
}
BENCHMARK(BM_EventHash);

void BM_AddTwentyWorkingDays(benchmark::State& state) {
  auto set = load_calendar_directory(default_definitions_dir() + "/calendars");
  auto cn = set->latest("cn");
  const Instant from = *parse_instant("2026-02-10T10:00:00+08:00");
  for (auto _ : state) benchmark::DoNotOptimize(cn->add_working_days(from, 20));
}
BENCHMARK(BM_AddTwentyWorkingDays);

}  // namespace
