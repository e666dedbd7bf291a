// A portal embedding gongkai through the installed package: create an item, take it through
// review and release, verify the history. Exits non-zero on any failure.
#include <gongkai/engine.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: portal DB DEFINITIONS\n";
    return 2;
  }
  auto engine = gongkai::Engine::init(argv[1], argv[2], /*simulation=*/false);
  if (!engine.ok()) {
    std::cerr << engine.status().to_string() << "\n";
    return 1;
  }
  auto definitions = (*engine)->definitions();
  const gongkai::Unit& unit = definitions->units.front();
  auto standards = definitions->standards_for_unit(unit);
  if (standards.empty()) return 1;
  gongkai::CreateItemRequest create;
  create.standard_id = standards.front()->id;
  create.unit_id = unit.id;
  create.title = "portal item";
  create.actor = "portal.drafter";
  auto item = (*engine)->create_item(create);
  if (!item.ok()) {
    std::cerr << item.status().to_string() << "\n";
    return 1;
  }
  for (auto [event, actor] : {std::pair{gongkai::EventType::submit, "portal.drafter"},
                              {gongkai::EventType::approve, "portal.reviewer"},
                              {gongkai::EventType::publish, "portal.reviewer"}}) {
    gongkai::FireRequest fire;
    fire.item_id = item->id;
    fire.event = event;
    fire.actor = actor;
    auto next = (*engine)->fire(fire);
    if (!next.ok()) {
      std::cerr << next.status().to_string() << "\n";
      return 1;
    }
    *item = *next;
  }
  // An illegal event is refused with its stable id.
  gongkai::FireRequest again;
  again.item_id = item->id;
  again.event = gongkai::EventType::submit;
  again.actor = "portal.drafter";
  auto refused = (*engine)->fire(again);
  if (refused.ok() || refused.status().id() != "illegal_transition") return 1;
  auto report = (*engine)->verify();
  if (!report.ok()) {
    std::cerr << report.status().to_string() << "\n";
    return 1;
  }
  std::cout << "portal: " << item->id << " is in " << gongkai::to_string(item->stage) << "; "
            << report->events << " events verified\n";
  return 0;
}
