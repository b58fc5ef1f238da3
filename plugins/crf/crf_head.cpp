// A linear-chain CRF over a token task's words (AllenNLP's ConditionalRandomField,
// pytorch-crf as JointBERT's use_crf uses it): emissions from the token states
// through the token head's MLP, learnt transitions with start and end scores; its
// own loss, the negative log-likelihood of the gold tag sequence by the forward
// algorithm, and Viterbi decoding, both over the positions that carry word labels
// (each word's first piece), so word pieces, special tokens and padding are skipped.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <limits>

#include "bio_constraints.h"
#include "linear_chain.h"
#include "mtlab/core/config.h"
#include "mtlab/core/error.h"
#include "mtlab/model/head.h"
#include "mtlab/model/loss.h"
#include "mtlab/model/mlp.h"
#include "mtlab/plugin/declared_keys.h"

namespace {

using mtlab::Error;

class Crf : public mtlab::Head {
 public:
  Crf(mtlab::MlpOptions mlp, bool constrain_bio, std::string where)
      : mlp_(std::move(mlp)), constrain_bio_(constrain_bio), where_(std::move(where)) {}

  mtlab::HeadLevel level() const override { return mtlab::HeadLevel::token; }

  void set_labels(const std::vector<std::string>& names) override { labels_ = names; }

  void build(std::int64_t hidden_size, std::int64_t num_labels) override {
    if (!labels_.empty() && static_cast<std::int64_t>(labels_.size()) != num_labels) {
      throw Error(fmt::format("crf: {} label names for {} labels", labels_.size(), num_labels));
    }
    emissions_ = register_module("emissions", mtlab::make_mlp(hidden_size, num_labels, mlp_));
    // pytorch-crf's initialisation.
    transitions_ = register_parameter("transitions", torch::empty({num_labels, num_labels}).uniform_(-0.1, 0.1));
    start_ = register_parameter("start_transitions", torch::empty({num_labels}).uniform_(-0.1, 0.1));
    end_ = register_parameter("end_transitions", torch::empty({num_labels}).uniform_(-0.1, 0.1));
    if (constrain_bio_) forbid(num_labels);
  }

  at::Tensor forward(const mtlab::EncoderOutput& encoded) override { return emissions_->forward(encoded.token_states); }

  bool owns_loss() const override { return true; }

  // The mean over the batch's sequences (those with a label to learn) of
  // -log p(gold tags | emissions), as pytorch-crf's reduction="mean" (JointBERT).
  // Over all paths: the BIO constraints apply to decoding only (as AllenNLP), so
  // a gold sequence that breaks BIO costs a finite loss.
  at::Tensor loss(const at::Tensor& output, const at::Tensor& targets) override {
    check_shapes(output, targets);
    const auto valid = targets != mtlab::kIgnoreIndex;
    check_targets(targets.masked_select(valid), output.size(2));
    const auto packed = mtlab::crf::pack_front(valid);
    const auto emissions = mtlab::crf::gather_rows(as_float(output), packed.index);
    const auto tags = mtlab::crf::gather_rows(targets, packed.index);
    const auto [start, end, transitions] = scores(emissions);
    const auto nll = mtlab::crf::log_partition(emissions, packed.mask, start, end, transitions) -
                     mtlab::crf::sequence_score(emissions, tags, packed.mask, start, end, transitions);
    const auto has = packed.mask.select(1, 0);
    return (nll * has.to(nll.scalar_type())).sum() / std::max<std::int64_t>(1, has.sum().item<std::int64_t>());
  }

  // loss() is a mean over sequences: its weight is the number with a label.
  double loss_target_weight(const at::Tensor& targets) const override {
    return static_cast<double>((targets != mtlab::kIgnoreIndex).any(1).sum().item<std::int64_t>());
  }

  // Viterbi over the masked positions (within the BIO constraints when on);
  // elsewhere the argmax.
  at::Tensor decode(const at::Tensor& output, const at::Tensor& mask) override {
    if (output.dim() != 3 || mask.sizes() != output.sizes().slice(0, 2)) {
      throw Error(fmt::format("crf: decode expects emissions [B, T, C] and a mask [B, T], got {} and {}",
                              c10::str(output.sizes()), c10::str(mask.sizes())));
    }
    const auto keep = mask.to(torch::kBool);
    const auto packed = mtlab::crf::pack_front(keep);
    const auto emissions = mtlab::crf::gather_rows(as_float(output), packed.index);
    auto [start, end, transitions] = scores(emissions);
    if (forbidden_start_.defined()) {
      start = start + forbidden_start_.to(start.options());
      transitions = transitions + forbidden_transitions_.to(transitions.options());
    }
    const auto path = mtlab::crf::viterbi(emissions.detach(), packed.mask, start.detach(), end.detach(),
                                          transitions.detach());
    const auto index = packed.index.to(torch::kCPU);
    auto out = output.argmax(-1).to(torch::kCPU, torch::kLong);
    const auto chosen = torch::where(packed.mask.to(torch::kCPU), path, out.gather(1, index));
    return out.scatter(1, index, chosen).to(output.device());
  }

 private:
  // Additive -inf for each start and transition BIO forbids, kept off the
  // parameters so that they are neither trained nor saved.
  void forbid(std::int64_t num_labels) {
    if (labels_.empty()) {
      throw Error(fmt::format("{}: constrain_bio = true needs the task's label names, which this caller did not give "
                              "(Head::set_labels before build)",
                              where_));
    }
    const auto allowed = mtlab::crf::bio_allowed(labels_, where_);
    const double no = -std::numeric_limits<double>::infinity();
    forbidden_start_ = torch::zeros({num_labels}, torch::kDouble);
    forbidden_transitions_ = torch::zeros({num_labels, num_labels}, torch::kDouble);
    for (std::int64_t to = 0; to < num_labels; ++to) {
      if (!allowed.start[to]) forbidden_start_[to] = no;
      for (std::int64_t from = 0; from < num_labels; ++from) {
        if (!allowed.transition[from][to]) forbidden_transitions_[from][to] = no;
      }
    }
  }

  // Half-precision emissions are scored in float: log-sum-exp over many steps.
  static at::Tensor as_float(const at::Tensor& x) {
    return x.scalar_type() == torch::kHalf || x.scalar_type() == torch::kBFloat16 ? x.to(torch::kFloat) : x;
  }

  std::tuple<at::Tensor, at::Tensor, at::Tensor> scores(const at::Tensor& emissions) const {
    const auto options = emissions.options();
    return {start_.to(options), end_.to(options), transitions_.to(options)};
  }

  static void check_shapes(const at::Tensor& output, const at::Tensor& targets) {
    if (output.dim() != 3 || targets.dim() != 2 || output.sizes().slice(0, 2) != targets.sizes()) {
      throw Error(fmt::format("crf: the loss expects emissions [B, T, C] and targets [B, T], got {} and {}",
                              c10::str(output.sizes()), c10::str(targets.sizes())));
    }
  }

  static void check_targets(const at::Tensor& kept, std::int64_t classes) {
    if (kept.numel() == 0) return;
    const auto lo = kept.min().item<std::int64_t>(), hi = kept.max().item<std::int64_t>();
    if (lo < 0 || hi >= classes) {
      throw Error(fmt::format("crf: target ids must lie in [0, {}) or be {}, found {}..{}", classes,
                              mtlab::kIgnoreIndex, lo, hi));
    }
  }

  mtlab::MlpOptions mlp_;
  bool constrain_bio_;
  std::string where_;  // file:line:col of constrain_bio (or of the head's table), for label errors
  std::vector<std::string> labels_;
  torch::nn::Sequential emissions_{nullptr};
  at::Tensor transitions_, start_, end_;
  at::Tensor forbidden_start_, forbidden_transitions_;
};

const mtlab::plugin::KeySpec keys[] = {
    MTLAB_MLP_KEYS,
    {"constrain_bio", "bool", "true",
     "decode only well-formed BIO: no I-x at the start, after O or after another type (the labels must be BIO)"},
};
const mtlab::plugin::DeclaredKeys declared(keys);

std::shared_ptr<mtlab::plugin::PluginObject> create(const mtlab::Config& config) {
  return std::make_shared<Crf>(mtlab::mlp_options(config), declared.get_bool(config, "constrain_bio"),
                               config.location("constrain_bio"));
}

}  // namespace

MTLAB_HEAD_PLUGIN_OWN_LOSS("crf", "1.0.0",
                           "Linear-chain CRF over a token task's words: forward-algorithm loss, Viterbi decoding",
                           "token", keys, create,
                           "the CRF negative log-likelihood of the gold tag sequence, mean over sequences")
