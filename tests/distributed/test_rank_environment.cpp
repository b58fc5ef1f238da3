// torchrun's and Slurm's environment contract (mtlab/train/distributed.h):
// read once, every inconsistency an error naming the variable.
#include <catch2/catch.hpp>

#include <map>

#include "mtlab/core/error.h"
#include "mtlab/train/distributed.h"
#include "mtlab/train/task_data.h"

using Catch::Matchers::Contains;
using mtlab::read_rank_environment;

namespace {

mtlab::EnvLookup env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

std::string error_of(std::map<std::string, std::string> vars) {
  try {
    read_rank_environment(env(std::move(vars)));
  } catch (const mtlab::Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("rank environment: none of the variables is one process", "[distributed]") {
  const auto e = read_rank_environment(env({}));
  CHECK_FALSE(e.data_parallel());
  CHECK(e.world_size == 1);
  CHECK(e.rank == 0);
  // A world of one needs no store.
  CHECK_FALSE(read_rank_environment(env({{"RANK", "0"}, {"WORLD_SIZE", "1"}})).data_parallel());
}

TEST_CASE("rank environment: torchrun's variables", "[distributed]") {
  const auto e = read_rank_environment(env({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"},
                                            {"MASTER_ADDR", "10.0.0.7"}, {"MASTER_PORT", "29500"}}));
  CHECK(e.data_parallel());
  CHECK(e.source == "torchrun");
  CHECK(e.rank == 3);
  CHECK(e.world_size == 4);
  CHECK(e.local_rank == 1);
  CHECK(e.master_addr == "10.0.0.7");
  CHECK(e.master_port == 29500);
  CHECK(mtlab::describe(e) == "rank 3/4 (torchrun, master 10.0.0.7:29500)");
}

TEST_CASE("rank environment: Slurm's variables when torchrun's are absent", "[distributed]") {
  const auto e = read_rank_environment(env({{"SLURM_PROCID", "1"}, {"SLURM_NTASKS", "2"}, {"SLURM_LOCALID", "1"},
                                            {"MASTER_ADDR", "node1"}, {"MASTER_PORT", "1234"}}));
  CHECK(e.source == "slurm");
  CHECK(e.rank == 1);
  CHECK(e.world_size == 2);
  CHECK(e.local_rank == 1);
  // torchrun's win when both are there (torchrun started inside a Slurm allocation).
  const auto both = read_rank_environment(env({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "8"}, {"RANK", "1"},
                                               {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}));
  CHECK(both.source == "torchrun");
  CHECK(both.world_size == 2);
}

TEST_CASE("rank environment: inconsistent variables are errors naming them", "[distributed]") {
  CHECK_THAT(error_of({{"RANK", "0"}}), Contains("RANK is set but WORLD_SIZE is not"));
  CHECK_THAT(error_of({{"WORLD_SIZE", "2"}}), Contains("WORLD_SIZE is set but RANK is not"));
  CHECK_THAT(error_of({{"SLURM_NTASKS", "2"}}), Contains("SLURM_NTASKS is set but SLURM_PROCID is not"));
  CHECK_THAT(error_of({{"SLURM_PROCID", "0"}}),
             Contains("SLURM_PROCID is set but SLURM_NTASKS is not") && Contains("--ntasks=1"));
  CHECK_THAT(error_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), Contains("RANK='2': expected an integer in [0, 1]"));
  CHECK_THAT(error_of({{"RANK", "x"}, {"WORLD_SIZE", "2"}}), Contains("RANK='x'"));
  CHECK_THAT(error_of({{"RANK", "0"}, {"WORLD_SIZE", "0"}}), Contains("WORLD_SIZE='0'"));
  CHECK_THAT(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2 "}}), Contains("WORLD_SIZE='2 '"));
  CHECK_THAT(error_of({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "2"}, {"MASTER_ADDR", "h"},
                       {"MASTER_PORT", "1"}}),
             Contains("LOCAL_RANK=2 is above RANK=1"));
  CHECK_THAT(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}}), Contains("MASTER_ADDR (rank 0's host) is not set"));
  CHECK_THAT(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}),
             Contains("MASTER_PORT (rank 0's store port) is not"));
  CHECK_THAT(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}),
             Contains("MASTER_PORT='70000': expected an integer in [1, 65535]"));
}

TEST_CASE("batch shard: every size-th row from the rank, the first for a rank without rows, and loss shares",
          "[distributed]") {
  const std::vector<std::size_t> global{4, 3, 2, 1, 0};
  const auto r0 = mtlab::shard_batch(global, 0, 2);
  const auto r1 = mtlab::shard_batch(global, 1, 2);
  CHECK(r0.indices == std::vector<std::size_t>{4, 2, 0});
  CHECK(r1.indices == std::vector<std::size_t>{3, 1});
  CHECK_FALSE(r0.empty);
  CHECK_FALSE(r1.empty);
  const auto lone = mtlab::shard_batch({3}, 1, 2);
  CHECK(lone.indices == std::vector<std::size_t>{3});
  CHECK(lone.empty);
  // Shares: this rank's weight over all ranks'; 0 for a task without weight in the batch.
  CHECK(mtlab::loss_shares({2.0, 0.0, 1.5}, {4.0, 0.0, 6.0}) == std::vector<double>{0.5, 0.0, 0.25});
}
