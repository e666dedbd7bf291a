// Fuzz support: one real API over a real database, shared by the HTTP and the JSON fuzz targets.
// A fresh simulation database on the test definitions (tests/data/engine_definitions) in a
// temporary folder, opened with synchronous=NORMAL (the fuzzers look for crashes, not for
// durability), with one user per role in alpha.one (plus an auditor and an admin) and a few items
// at different stages, so that handlers reach the engine. The folder is removed at exit.
//
// Tokens are random, so inputs name them by placeholder: "$DRAFTER", "$REVIEWER", "$PUBLISHER",
// "$INTERPRETER", "$RESPONDER", "$AUDITOR", "$ADMIN" are replaced by that user's token.
// Items "gk-000001" (drafting), "gk-000002" (review) and "gk-000003" (response) exist at the
// start; inputs change them and add others, so an input's answer may depend on the inputs run
// before it (a crash is reproduced by running the corpus, or the crash input alone).
#pragma once

#include <string>

#include "adapters/http/api.h"

namespace gongkai::fuzz {

// The API, created on first use. Aborts when the set-up fails.
http::Api& api();

// `text` with every token placeholder replaced by its token.
std::string with_tokens(std::string text);

// Aborts (a finding) when an answer breaks the API's contract: a 500 (an unexpected exception
// or an internal error), a status outside 200-599, an error answer without an error document,
// or a JSON answer that is not JSON. `what` names the input for the message.
void check_answer(const http::HttpResponse& response, const char* what);

}  // namespace gongkai::fuzz
