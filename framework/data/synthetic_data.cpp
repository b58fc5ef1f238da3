#include "mtlab/data/synthetic_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/data/text_lines.h"
#include "mtlab/options/data_formats.h"
#include "mtlab/core/rng.h"

namespace mtlab {

// The vocabulary and templates are written for learnability with some traps:
// words shared across intents ("book", "play", "to", "for", "new"), the same
// value list under different slot types (city as fromloc/toloc/city, dates as
// depart_date/date), values that look like other slots (the band "chicago",
// the song "tomorrow never knows", the movie "the day after tomorrow", the
// playlist "rainy day") and multi-word values. A few short templates are
// ambiguous on purpose ("what about boston tomorrow": a flight or the weather),
// so even a perfect model stays below 100%.
namespace {

const std::map<std::string, std::vector<std::string>>& value_lists() {
  static const std::map<std::string, std::vector<std::string>> lists = {
      {"city", {"boston", "new york", "san francisco", "los angeles", "chicago", "denver", "salt lake city", "paris",
                "london", "tokyo", "rio de janeiro", "las vegas", "seattle", "new orleans", "washington", "berlin",
                "mexico city", "atlanta", "dallas", "miami"}},
      {"date", {"today", "tomorrow", "tonight", "this weekend", "next friday", "monday", "tuesday",
                "the day after tomorrow", "december third", "march fifth", "next week", "saturday morning",
                "sunday", "this evening", "july fourth"}},
      {"time", {"seven am", "noon", "midnight", "six thirty", "half past eight", "nine pm", "ten in the morning",
                "five fifteen", "eight o'clock", "quarter to seven", "eleven thirty pm", "two pm"}},
      {"airline", {"delta", "united", "american airlines", "air france", "lufthansa", "jet blue", "british airways"}},
      {"class", {"first class", "economy", "business class", "premium economy"}},
      {"condition", {"rainy", "snowy", "sunny", "windy", "cold", "hot", "foggy", "stormy", "humid", "cloudy"}},
      {"artist", {"the beatles", "taylor swift", "miles davis", "daft punk", "the rolling stones", "adele",
                  "bob marley", "new order", "chicago", "boston", "nina simone", "radiohead", "kendrick lamar"}},
      {"song", {"yesterday", "hey jude", "blue in green", "get lucky", "paint it black", "hello", "redemption song",
                "shake it off", "here comes the sun", "tomorrow never knows", "new york new york", "feeling good",
                "karma police"}},
      {"genre", {"jazz", "rock", "hip hop", "classical", "reggae", "lo fi", "country", "blues", "soul"}},
      {"service", {"spotify", "youtube", "deezer", "pandora", "apple music"}},
      {"playlist", {"road trip", "workout", "chill evening", "sunday morning", "rainy day", "focus", "party mix",
                    "dinner jazz"}},
      {"cuisine", {"italian", "sushi", "thai", "mexican", "french", "vegan", "indian", "korean barbecue"}},
      {"party_size", {"two", "three", "four", "five", "six", "eight", "ten"}},
      {"movie", {"the matrix", "inception", "frozen", "casablanca", "the dark knight", "jaws", "up",
                 "the day after tomorrow", "paris texas", "blue velvet", "the big lebowski", "chicago"}},
  };
  return lists;
}

struct Intent {
  std::string name;
  int weight;  // relative frequency: the classes are deliberately imbalanced
  std::vector<std::string> templates;
};

// Template syntax: "(a|b|)" picks one alternative (may be empty); "{slot}"
// draws a value from the list of the same name; "{slot=list}" from `list`.
const std::vector<Intent>& intents() {
  static const std::vector<Intent> all = {
      {"book_flight", 3,
       {"(please |can you |i want to |)book a flight from {fromloc=city} to {toloc=city}",
        "(i need|find me|show me|i want) a flight to {toloc=city} {depart_date=date}",
        "(find|show) me (a|an) {airline} flight from {fromloc=city} to {toloc=city} {depart_date=date}",
        "i want to fly from {fromloc=city} to {toloc=city} (at|around) {depart_time=time}",
        "(book|get) me a {class} ticket to {toloc=city} (for|on) {depart_date=date}",
        "are there any flights (from {fromloc=city} |)to {toloc=city} {depart_date=date}",
        "what {airline} flights leave {fromloc=city} {depart_date=date} (at|before|after) {depart_time=time}",
        "book a {class} seat on the {depart_time=time} flight to {toloc=city}",
        "what about {toloc=city} {depart_date=date}"}},
      {"get_weather", 2,
       {"what is the weather (like |)in {city} {date}",
        "will it be {condition} in {city} {date}",
        "will it (rain|snow) in {city} {date}",
        "(how|what) is the forecast for {city} {date}",
        "is it going to be {condition} {date}",
        "do i need an umbrella in {city} {date}",
        "(tell me|show me) the weather for {date} in {city}",
        "how {condition} will it be in {city} (at|around) {time}",
        "what about {city} {date}"}},
      {"play_music", 2,
       {"(please |can you |)play {song} by {artist}",
        "play (some |)({genre}) (music |)on {service}",
        "put on (some |)({artist}) (please|)",
        "i want to (hear|listen to) {song}",
        "play my {playlist} playlist",
        "play {song} from (my|the) {playlist} playlist",
        "play {artist} on {service}",
        "(play|start) the song {song} (on {service}|)"}},
      {"add_to_playlist", 1,
       {"add {song} to my {playlist} playlist",
        "(please |can you |)add {song} by {artist} to {playlist}",
        "put {artist} on my {playlist} playlist",
        "add this {genre} track to {playlist}",
        "save {song} to (my |the |){playlist} (playlist|list)",
        "i (want|like) to play {song} (later|at home) so add it to {playlist}"}},
      {"book_restaurant", 2,
       {"(please |can you |)book a table for {party_size} at (a|an) {cuisine} restaurant (in {city} |){date}",
        "(find|show) me (a|an) {cuisine} place in {city} for {party_size} (people|)",
        "reserve a table for {party_size} {date} at {time}",
        "i want to book (a|an) {cuisine} (restaurant|place) for {time} {date}",
        "book a table in {city} for {party_size} people at {time}",
        "is there a {cuisine} restaurant (open |)in {city} {date}",
        "i want to eat {cuisine} {date} (at|around) {time}"}},
      {"set_alarm", 1,
       {"(please |can you |)set an alarm for {time} {date}",
        "wake me up at {time} (please|)",
        "(set|make) (an|the) alarm (at|for) {time}",
        "i need an alarm {date} at {time}",
        "(remind|wake) me {date} at {time}",
        "i need to be up {date} (at|by) {time}"}},
      {"find_movie", 1,
       {"when is {movie} playing in {city} {date}",
        "(find|show me) (the |)showtimes for {movie} {date}",
        "book (two|tickets|a ticket) for {movie} at {time}",
        "i want to (watch|see) {movie} {date}",
        "is {movie} on in {city} (at|around) {time}",
        "what movies are playing in {city} {date}"}},
  };
  return all;
}

struct Sentence {
  std::vector<std::string> words;
  std::vector<std::string> tags;
  std::string intent;
};

// Resolves "(a|b|)" groups.
std::string choose_alternatives(const std::string& tmpl, SplitMix64& rng) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '(') {
      out += tmpl[i];
      continue;
    }
    const std::size_t close = tmpl.find(')', i);
    std::vector<std::string> options;
    std::size_t start = i + 1;
    for (std::size_t k = i + 1; k <= close; ++k) {
      if (k == close || tmpl[k] == '|') {
        options.push_back(tmpl.substr(start, k - start));
        start = k + 1;
      }
    }
    out += rng.pick(options);
    i = close;
  }
  return out;
}

Sentence realize(const Intent& intent, const std::string& tmpl, SplitMix64& rng) {
  Sentence s;
  s.intent = intent.name;
  std::set<std::string> used;  // no "from tokyo to tokyo": one value per sentence
  for (const auto& token : split_whitespace(choose_alternatives(tmpl, rng))) {
    if (token.front() != '{') {
      s.words.push_back(token);
      s.tags.push_back("O");
      continue;
    }
    const std::string inner = token.substr(1, token.size() - 2);
    const std::size_t eq = inner.find('=');
    const std::string slot = inner.substr(0, eq);
    const std::string list = eq == std::string::npos ? slot : inner.substr(eq + 1);
    const auto& values = value_lists().at(list);
    std::string value = rng.pick(values);
    for (int retry = 0; retry < 8 && used.count(value); ++retry) value = rng.pick(values);
    used.insert(value);
    const auto words = split_whitespace(value);
    for (std::size_t k = 0; k < words.size(); ++k) {
      s.words.push_back(words[k]);
      s.tags.push_back((k == 0 ? "B-" : "I-") + slot);
    }
  }
  // "a italian place" → "an italian place" (articles are O, tags stay).
  for (std::size_t i = 0; i + 1 < s.words.size(); ++i) {
    if (s.words[i] != "a" && s.words[i] != "an") continue;
    const std::string& next = s.words[i + 1];
    const bool vowel = std::string_view("aeiou").find(next[0]) != std::string_view::npos && next != "united";
    s.words[i] = vowel ? "an" : "a";
  }
  return s;
}

// One surface perturbation; tags stay consistent (fillers are O, never inside
// an entity; only O words are dropped; a misspelling keeps the word's tag).
void add_noise(Sentence& s, SplitMix64& rng) {
  static const std::vector<std::string> fillers = {"um", "uh", "please", "like", "actually", "hey", "so"};
  static const std::set<std::string> droppable = {"the", "a", "an", "me", "my", "for", "at", "to", "is", "in"};
  switch (rng.below(3)) {
    case 0: {
      std::vector<std::size_t> slots;  // positions where a new word does not split an entity
      for (std::size_t i = 0; i <= s.words.size(); ++i) {
        if (i == s.words.size() || s.tags[i][0] != 'I') slots.push_back(i);
      }
      const std::size_t at = rng.pick(slots);
      s.words.insert(s.words.begin() + static_cast<std::ptrdiff_t>(at), rng.pick(fillers));
      s.tags.insert(s.tags.begin() + static_cast<std::ptrdiff_t>(at), "O");
      break;
    }
    case 1: {
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < s.words.size(); ++i) {
        if (s.tags[i] == "O" && droppable.count(s.words[i])) candidates.push_back(i);
      }
      if (candidates.empty() || s.words.size() < 3) break;
      const std::size_t at = rng.pick(candidates);
      s.words.erase(s.words.begin() + static_cast<std::ptrdiff_t>(at));
      s.tags.erase(s.tags.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    }
    default: {
      std::vector<std::size_t> candidates;
      for (std::size_t i = 0; i < s.words.size(); ++i) {
        if (s.words[i].size() >= 4) candidates.push_back(i);
      }
      if (candidates.empty()) break;
      std::string& w = s.words[rng.pick(candidates)];
      const std::size_t k = 1 + rng.below(w.size() - 2);  // swap two inner letters
      std::swap(w[k], w[k + 1]);
      break;
    }
  }
}

}  // namespace

SyntheticOptions synthetic_options(const Config& table) {
  SyntheticOptions o;
  o.seed = static_cast<std::uint64_t>(data_int(table, "seed", static_cast<std::int64_t>(o.seed)));
  o.train_size = data_int(table, "train_size", o.train_size);
  o.dev_size = data_int(table, "dev_size", o.dev_size);
  o.test_size = data_int(table, "test_size", o.test_size);
  o.noise = data_double(table, "noise", o.noise);
  return o;
}

std::vector<std::string> synthetic_intents() {
  std::vector<std::string> out;
  for (const auto& i : intents()) out.push_back(i.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> synthetic_slot_types() {
  std::set<std::string> slots;
  for (const auto& intent : intents()) {
    for (const auto& t : intent.templates) {
      for (std::size_t i = t.find('{'); i != std::string::npos; i = t.find('{', i + 1)) {
        const std::string inner = t.substr(i + 1, t.find('}', i) - i - 1);
        slots.insert(inner.substr(0, inner.find('=')));
      }
    }
  }
  return {slots.begin(), slots.end()};
}

Dataset generate_synthetic(const SyntheticOptions& options) {
  SplitMix64 rng(options.seed ^ 0x6D746C6162ull);  // "mtlab": seed 0 is not a degenerate state
  int total_weight = 0;
  for (const auto& i : intents()) total_weight += i.weight;

  Dataset d;
  d.format = "synthetic";
  d.source = fmt::format("synthetic: seed {}, {}/{}/{} sentences, noise {:g}", options.seed, options.train_size,
                         options.dev_size, options.test_size, options.noise);
  std::unordered_set<std::string> seen;  // splits never share a sentence
  const auto fill = [&](std::vector<Example>& split, std::int64_t size, const char* name) {
    std::size_t attempts = 0;
    const std::size_t max_attempts = 100 * static_cast<std::size_t>(size) + 1000;
    while (static_cast<std::int64_t>(split.size()) < size) {
      if (++attempts > max_attempts) {
        throw Error(fmt::format("synthetic data: could not draw {} distinct {} sentences (got {}); ask for fewer",
                                size, name, split.size()));
      }
      int r = static_cast<int>(rng.below(static_cast<std::size_t>(total_weight)));
      const Intent* intent = &intents().front();
      for (const auto& i : intents()) {
        if (r < i.weight) {
          intent = &i;
          break;
        }
        r -= i.weight;
      }
      Sentence s = realize(*intent, rng.pick(intent->templates), rng);
      if (options.noise > 0 && rng.chance(options.noise)) add_noise(s, rng);
      Example ex;
      ex.words = std::move(s.words);
      ex.tags = std::move(s.tags);
      ex.label = std::move(s.intent);
      ex.text = fmt::format("{}", fmt::join(ex.words, " "));
      if (!seen.insert(ex.text).second) continue;
      ex.source = fmt::format("synthetic:{}:{}", name, split.size() + 1);
      split.push_back(std::move(ex));
    }
  };
  fill(d.train, options.train_size, "train");
  fill(d.dev, options.dev_size, "dev");
  fill(d.test, options.test_size, "test");
  return d;
}

}  // namespace mtlab
