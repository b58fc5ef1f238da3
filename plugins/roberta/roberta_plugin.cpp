// The `roberta` backbone plugin: a Hugging Face RoBERTa folder (byte-level BPE
// tokenizer, positions after the padding index, one token type, LayerNorm eps
// 1e-5). The layers are BERT's (plugins/bert, BertConfig model_type "roberta").
// From scratch it builds RoBERTa's architecture with a WordPiece vocabulary
// (vocab = "build" or a vocab.txt): a byte-level BPE vocabulary is not built here.
#include "mtlab/bert/family_plugin.h"

namespace mtlab {
namespace {

const plugin::KeySpec kKeys[] = {
    MTLAB_BERT_FAMILY_KEYS("RoBERTa"),
    {"init.layer_norm_eps", "float", "1e-5", "LayerNorm epsilon", 0, 1},
};
const plugin::DeclaredKeys kDeclared(kKeys);

std::shared_ptr<plugin::PluginObject> create(const Config& c) { return bert_family::create(c, kDeclared, "roberta"); }
std::vector<plugin::KeyProblem> check(const Config& t) { return bert_family::check(t, kDeclared); }
std::int64_t num_layers(const Config& t) { return bert_family::num_layers(t, kDeclared); }
const plugin::BackboneHooks kHooks{check, num_layers, bert_family::load_tokenizer};

}  // namespace
}  // namespace mtlab

MTLAB_BACKBONE_PLUGIN("roberta", "0.1.0", "RoBERTa encoder (Hugging Face RobertaModel, byte-level BPE), from a checkpoint folder",
                      mtlab::kKeys, mtlab::create, mtlab::kHooks)
