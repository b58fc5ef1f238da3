// The `roberta` backbone plugin: a Hugging Face RoBERTa folder (byte-level BPE
// tokenizer, positions after the padding index, one token type, LayerNorm eps
// 1e-5). The layers are BERT's (plugins/bert, BertConfig model_type "roberta").
// From scratch it takes its byte-level BPE vocabulary (vocab.json, merges.txt)
// from the folder `vocab` names; it does not build one.
#include "mtlab/bert/family_plugin.h"

namespace mtlab {
namespace {

const plugin::KeySpec kKeys[] = {
    MTLAB_BERT_FAMILY_KEYS("RoBERTa"),
    {"init.layer_norm_eps", "float", "1e-5", "LayerNorm epsilon", 0, 1},
};
}  // namespace
}  // namespace mtlab

MTLAB_BERT_FAMILY_PLUGIN("roberta", "0.1.0",
                        "RoBERTa encoder (Hugging Face RobertaModel, byte-level BPE), from a checkpoint folder or from scratch",
                        mtlab::kKeys)
