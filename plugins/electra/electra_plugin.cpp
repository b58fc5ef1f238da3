// The `electra` backbone plugin: a Hugging Face ELECTRA folder, or a new ELECTRA
// from [backbone.init]. The layers are BERT's (plugins/bert, BertConfig model_type "electra").
#include "mtlab/bert/family_plugin.h"

namespace mtlab {
namespace {

const plugin::KeySpec kKeys[] = {
    MTLAB_BERT_FAMILY_KEYS("ELECTRA"),
    {"init.layer_norm_eps", "float", "1e-12", "LayerNorm epsilon", 0, 1},
    {"init.type_vocab_size", "int", "2", "segment (token type) ids", 1, 16},
    {"init.embedding_size", "int", "128", "width of the embeddings, projected to hidden_size", 1, 16384},
};
}  // namespace
}  // namespace mtlab

MTLAB_BERT_FAMILY_PLUGIN("electra", "0.1.0",
                        "ELECTRA discriminator encoder (Hugging Face ElectraModel; no pooler: the [CLS] state is pooled)",
                        mtlab::kKeys)
