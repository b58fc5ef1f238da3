// The `distilbert` backbone plugin: a Hugging Face DistilBERT folder, or a new DistilBERT
// from [backbone.init]. The layers are BERT's (plugins/bert, BertConfig model_type "distilbert").
#include "mtlab/bert/family_plugin.h"

namespace mtlab {
namespace {

const plugin::KeySpec kKeys[] = {
    MTLAB_BERT_FAMILY_KEYS("DistilBERT"),
};
const plugin::DeclaredKeys kDeclared(kKeys);

std::shared_ptr<plugin::PluginObject> create(const Config& c) { return bert_family::create(c, kDeclared, "distilbert"); }
std::vector<plugin::KeyProblem> check(const Config& t) { return bert_family::check(t, kDeclared); }
std::int64_t num_layers(const Config& t) { return bert_family::num_layers(t, kDeclared); }
const plugin::BackboneHooks kHooks{check, num_layers, bert_family::load_tokenizer};

}  // namespace
}  // namespace mtlab

MTLAB_BACKBONE_PLUGIN("distilbert", "0.1.0", "DistilBERT encoder (Hugging Face DistilBertModel; no token types, no pooler: the [CLS] state is pooled)",
                      mtlab::kKeys, mtlab::create, mtlab::kHooks)
