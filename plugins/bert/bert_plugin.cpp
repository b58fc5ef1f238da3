// The `bert` backbone plugin: a Hugging Face BERT checkpoint folder, or a BERT
// built from scratch ([backbone.init]) with a given or built vocabulary.
#include "mtlab/bert/family_plugin.h"

namespace mtlab {
namespace {

// Every key, with its default, range and choices: the spec validator checks
// them (file:line:col) and the factory reads the same defaults and bounds.
const plugin::KeySpec kKeys[] = {
    MTLAB_BERT_FAMILY_KEYS("BERT"),
    {"init.layer_norm_eps", "float", "1e-12", "LayerNorm epsilon", 0, 1},
    {"init.type_vocab_size", "int", "2", "segment (token type) ids", 1, 16},
};
const plugin::DeclaredKeys kDeclared(kKeys);

std::shared_ptr<plugin::PluginObject> create(const Config& c) { return bert_family::create(c, kDeclared, "bert"); }
std::vector<plugin::KeyProblem> check(const Config& t) { return bert_family::check(t, kDeclared); }
std::int64_t num_layers(const Config& t) { return bert_family::num_layers(t, kDeclared); }
const plugin::BackboneHooks kHooks{check, num_layers, bert_family::load_tokenizer};

}  // namespace
}  // namespace mtlab

MTLAB_BACKBONE_PLUGIN("bert", "0.1.0", "BERT encoder (Hugging Face BertModel), from a checkpoint folder or from scratch",
                      mtlab::kKeys, mtlab::create, mtlab::kHooks)
