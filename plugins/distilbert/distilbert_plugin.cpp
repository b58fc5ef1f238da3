// The `distilbert` backbone plugin: a Hugging Face DistilBERT folder, or a new DistilBERT
// from [backbone.init]. The layers are BERT's (plugins/bert, BertConfig model_type "distilbert").
#include "mtlab/bert/family_plugin.h"

namespace mtlab {
namespace {

const plugin::KeySpec kKeys[] = {
    MTLAB_BERT_FAMILY_KEYS("DistilBERT"),
};
}  // namespace
}  // namespace mtlab

MTLAB_BERT_FAMILY_PLUGIN("distilbert", "0.1.0",
                        "DistilBERT encoder (Hugging Face DistilBertModel; no token types, no pooler: the [CLS] state is pooled)",
                        mtlab::kKeys)
