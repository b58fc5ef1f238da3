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
}  // namespace
}  // namespace mtlab

MTLAB_BERT_FAMILY_PLUGIN("bert", "0.1.0",
                        "BERT encoder (Hugging Face BertModel), from a checkpoint folder or from scratch",
                        mtlab::kKeys)
