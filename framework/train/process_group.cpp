// The data-parallel process group (mtlab/train/distributed.h): c10d's TCPStore
// on rank 0 for the rendezvous and small values, Gloo (NCCL for CUDA where
// LibTorch has it) for the collectives. A failed collective names the peer that
// went away and leaves the group broken.
#include <fmt/format.h>
#include <torch/torch.h>

#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO  // LibTorch was built with Gloo; its header needs the switch
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef MTLAB_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <thread>

#include "mtlab/core/error.h"
#include "mtlab/core/log.h"
#include "mtlab/train/distributed.h"

namespace mtlab {
namespace {

// How long a rank whose collective failed waits for the others to say they are alive.
constexpr std::chrono::seconds kRollCall{3};

c10::intrusive_ptr<c10d::ProcessGroup> make_collectives(const c10::intrusive_ptr<c10d::Store>& store,
                                                        const RankEnvironment& env, const ProcessGroupOptions& o) {
  if (o.device == "cuda") {
#ifdef MTLAB_WITH_NCCL
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = o.timeout;
    return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.world_size, options);
#else
    throw Error("training.device = cuda: this LibTorch has no CUDA/NCCL, so data-parallel training runs on cpu only");
#endif
  }
  auto options = c10d::ProcessGroupGloo::Options::create(o.timeout);
  // The rank's own address as its peers reach it: loopback when the store is local.
  const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
  options->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                   : c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
}

// Consecutive tensors of one dtype, up to `bytes` together (a larger tensor is a bucket alone).
std::vector<std::vector<at::Tensor>> buckets(const std::vector<at::Tensor>& tensors, std::size_t bytes) {
  std::vector<std::vector<at::Tensor>> out;
  std::size_t filled = 0;
  for (const auto& t : tensors) {
    const std::size_t size = static_cast<std::size_t>(t.numel()) * t.element_size();
    const bool fits = !out.empty() && out.back().front().scalar_type() == t.scalar_type() &&
                      out.back().front().device() == t.device() && filled + size <= bytes;
    if (!fits) {
      out.emplace_back();
      filled = 0;
    }
    out.back().push_back(t);
    filled += size;
  }
  return out;
}

at::Tensor flatten(const std::vector<at::Tensor>& bucket) {
  std::vector<at::Tensor> flat;
  for (const auto& t : bucket) flat.push_back(t.detach().reshape({-1}));
  return torch::cat(flat);
}

void unflatten(const at::Tensor& flat, const std::vector<at::Tensor>& bucket) {
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const auto& t : bucket) {
    t.copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
    offset += t.numel();
  }
}

}  // namespace

struct ProcessGroup::Impl {
  RankEnvironment env;
  ProcessGroupOptions options;
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroup> collectives;
  std::string broken;  // why, once the group is unusable

  void check() const {
    if (!broken.empty()) throw Error(fmt::format("data-parallel rank {}: the process group is gone: {}", env.rank, broken));
  }

  // Which peers are gone: every rank that got here says so in the store; the
  // ones that do not within kRollCall are named. A store that is gone is rank 0.
  std::string lost_peers() {
    try {
      store->set(fmt::format("alive/{}", env.rank), std::vector<std::uint8_t>{1});
      const auto until = std::chrono::steady_clock::now() + kRollCall;
      std::vector<int> missing;
      do {
        missing.clear();
        for (int r = 0; r < env.world_size; ++r) {
          if (r != env.rank && !store->check({fmt::format("alive/{}", r)})) missing.push_back(r);
        }
        if (missing.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      } while (std::chrono::steady_clock::now() < until);
      if (missing.empty()) return "every peer is still there";
      return fmt::format("lost rank {} (no answer within {}s)", fmt::join(missing, ", rank "), kRollCall.count());
    } catch (const std::exception&) {
      return "lost rank 0 (its store at " + env.master_addr + ":" + std::to_string(env.master_port) + " is gone)";
    }
  }

  // Waits for every work; the first failure breaks the group and names the lost peer.
  void wait(std::vector<c10::intrusive_ptr<c10d::Work>>& works, const char* what) {
    try {
      for (auto& w : works) w->wait();
    } catch (const std::exception& e) {
      std::string message = e.what();
      message = message.substr(0, message.find('\n'));
      broken = fmt::format("{} failed: {}: {}", what, lost_peers(), message);
      collectives.reset();  // closes the connections: peers blocked on this rank fail now
      throw Error(fmt::format("data-parallel rank {}: {}", env.rank, broken));
    }
  }

  void bucketed(const std::vector<at::Tensor>& tensors, bool reduce) {
    check();
    std::vector<std::pair<std::vector<at::Tensor>, std::vector<at::Tensor>>> pending;  // flat, members
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    for (auto& bucket : buckets(tensors, options.bucket_bytes)) {
      std::vector<at::Tensor> flat{flatten(bucket)};
      if (reduce) {
        works.push_back(collectives->allreduce(flat));
      } else {
        c10d::BroadcastOptions root;
        root.rootRank = 0;
        works.push_back(collectives->broadcast(flat, root));
      }
      pending.emplace_back(std::move(flat), std::move(bucket));
    }
    wait(works, reduce ? "gradient all-reduce" : "broadcast from rank 0");
    for (auto& [flat, bucket] : pending) unflatten(flat.front(), bucket);
  }
};

ProcessGroup::ProcessGroup(const RankEnvironment& env, const ProcessGroupOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->env = env;
  impl_->options = options;
  try {
    c10d::TCPStoreOptions store;
    store.port = static_cast<std::uint16_t>(env.master_port);
    store.isServer = env.rank == 0;
    store.numWorkers = env.world_size;
    store.waitWorkers = true;
    store.timeout = options.timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store);
  } catch (const std::exception& e) {
    std::string message = e.what();
    throw Error(fmt::format("data-parallel {}: the store at {}:{} did not form within {}s: {}", describe(env),
                            env.master_addr, env.master_port, options.timeout.count(),
                            message.substr(0, message.find('\n'))));
  }
  try {
    impl_->collectives = make_collectives(impl_->store, env, options);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    std::string message = e.what();
    throw Error(fmt::format("data-parallel {}: the process group did not form: {}", describe(env),
                            message.substr(0, message.find('\n'))));
  }
  log::debug("data-parallel: {} joined", describe(env));
}

ProcessGroup::~ProcessGroup() = default;

int ProcessGroup::rank() const { return impl_->env.rank; }
int ProcessGroup::size() const { return impl_->env.world_size; }
std::chrono::seconds ProcessGroup::timeout() const { return impl_->options.timeout; }

void ProcessGroup::allreduce_sum(const std::vector<at::Tensor>& tensors) { impl_->bucketed(tensors, true); }
void ProcessGroup::broadcast(const std::vector<at::Tensor>& tensors) { impl_->bucketed(tensors, false); }

void ProcessGroup::barrier() {
  impl_->check();
  std::vector<c10::intrusive_ptr<c10d::Work>> works{impl_->collectives->barrier()};
  impl_->wait(works, "barrier");
}

void ProcessGroup::set(const std::string& key, const std::string& value) {
  impl_->check();
  try {
    impl_->store->set(key, std::vector<std::uint8_t>(value.begin(), value.end()));
  } catch (const std::exception& e) {
    throw Error(fmt::format("data-parallel rank {}: the store at {}:{} is gone (rank 0 ended?): {}", rank(),
                            impl_->env.master_addr, impl_->env.master_port, e.what()));
  }
}

std::string ProcessGroup::get(const std::string& key) {
  impl_->check();
  try {
    const auto bytes = impl_->store->get(key);
    return std::string(bytes.begin(), bytes.end());
  } catch (const std::exception& e) {
    std::string message = e.what();
    throw Error(fmt::format("data-parallel rank {}: no '{}' from rank 0 within {}s (rank 0 ended?): {}", rank(), key,
                            timeout().count(), message.substr(0, message.find('\n'))));
  }
}

void ProcessGroup::abort(const std::string& why) {
  if (impl_->broken.empty()) impl_->broken = why;
  impl_->collectives.reset();
}

bool ProcessGroup::broken() const { return !impl_->broken.empty(); }

}  // namespace mtlab
