// `scorer`: the app's C++ component. It ranks words by their Scrabble score
// with the C++ standard library; the types and the export it defines are
// declared in `../bindings/scorer.h`, which `wcomp build` generates from the
// `scorer` world.

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "scorer.h"

namespace {

// The letter values of English Scrabble, a to z.
constexpr unsigned kPoints[26] = {1, 3, 3, 2, 1, 4, 2, 4, 1, 8, 5, 1, 3,
                                  1, 1, 3, 10, 1, 1, 1, 1, 4, 4, 8, 4, 10};

unsigned score(const std::string &word) {
  unsigned total = 0;
  for (char c : word) {
    if (c >= 'a' && c <= 'z') {
      total += kPoints[c - 'a'];
    } else if (c >= 'A' && c <= 'Z') {
      total += kPoints[c - 'A'];
    }
  }
  return total;
}

struct Scored {
  std::string word;
  unsigned points;
};

}  // namespace

// `hello:polyglot/scoring#rank`. The arguments belong to the export (it
// frees them); the result is freed by the bindings after it is returned, so
// it is allocated with `malloc` (the `_dup` helpers do too).
void exports_hello_polyglot_scoring_rank(scorer_list_string_t *words,
                                         exports_hello_polyglot_scoring_list_scored_t *ret) {
  std::vector<Scored> ranked;
  for (size_t i = 0; i < words->len; i++) {
    std::string word(reinterpret_cast<const char *>(words->ptr[i].ptr), words->ptr[i].len);
    unsigned points = score(word);
    ranked.push_back({std::move(word), points});
  }
  scorer_list_string_free(words);

  std::sort(ranked.begin(), ranked.end(), [](const Scored &a, const Scored &b) {
    return a.points != b.points ? a.points > b.points : a.word < b.word;
  });

  ret->len = ranked.size();
  ret->ptr = static_cast<exports_hello_polyglot_scoring_scored_t *>(
      malloc(sizeof(exports_hello_polyglot_scoring_scored_t) * ranked.size()));
  for (size_t i = 0; i < ranked.size(); i++) {
    scorer_string_dup_n(&ret->ptr[i].word, ranked[i].word.data(), ranked[i].word.size());
    ret->ptr[i].points = ranked[i].points;
  }
}
