// Sweep configs: grid expansion, helpers, run ids, and errors with file, line and key.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <tabrl/algorithms/registry.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/sweep/sweep_config.hpp>

#include "helpers.hpp"
#include "run_helpers.hpp"

using namespace tabrl;
using tabrl::testing::registered_names;

namespace {

std::string error_of(const std::string& text) {
  return tabrl::testing::input_error_of([&] { parse_sweep_config(text, "grid.toml"); });
}

constexpr const char* kMinimal = R"(
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "npg"
step_size = 1.0
)";

}  // namespace

TEST_CASE("defaults and a single run") {
  const SweepConfig config = parse_sweep_config(kMinimal, "grid.toml");
  REQUIRE(config.runs.size() == 1);
  CHECK(config.settings.iterations == 1000);
  CHECK(config.settings.record == "log");
  CHECK(config.settings.tolerances == std::vector<double>{1e-2, 1e-4, 1e-6, 1e-8});
  CHECK(config.runs[0].mdp == "five_by_five");
  CHECK(config.runs[0].algorithm.step_size == "1");
  CHECK_FALSE(config.runs[0].seed.has_value());
  CHECK(config.run_ids[0].size() == 16);
}

TEST_CASE("every list is an axis: MDP parameters, step sizes, helpers, seeds") {
  const SweepConfig config = parse_sweep_config(R"TOML(
[sweep]
iterations = 50
init = "random"
seeds = [0, 1]
[[mdp]]
spec = "garnet(states=10,actions=3,branching=2)"
seed = [1, 2, 3]
gamma = 0.8
[[mdp]]
spec = "bandit"
means = [[0.1, 0.9], [0.2, 0.5, 0.8]]
[[algorithm]]
name = "spma"
step_size = [0.01, "safe"]
[[algorithm]]
name = "npg"
step_size = { logspace = [-2, 1, 4] }
)TOML",
                                                "grid.toml");
  // (3 garnets + 2 bandits) x (2 + 4 steps) x 2 seeds.
  CHECK(config.runs.size() == 5 * 6 * 2);
  CHECK(config.runs[0].mdp == "garnet(states=10,actions=3,branching=2,gamma=0.8,seed=1)");
  CHECK(config.runs[0].mdp_label == "garnet(states=10,actions=3,branching=2,gamma=0.8)");
  CHECK(config.runs[0].seed == 0);
  CHECK(config.runs[1].seed == 1);
  CHECK(config.runs[36].mdp == "bandit(means=[0.1,0.9])");
  std::vector<std::string> npg_steps;
  for (const RunSpec& run : config.runs) {
    if (run.algorithm.name == "npg" && run.mdp == config.runs[0].mdp && run.seed == 0) {
      npg_steps.push_back(run.algorithm.step_size);
    }
  }
  CHECK(npg_steps == std::vector<std::string>{"0.01", "0.1", "1", "10"});
}

TEST_CASE("linspace, duplicate runs removed, ids depend on every setting") {
  const SweepConfig config = parse_sweep_config(R"TOML(
[[mdp]]
spec = "five_by_five"
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spg"
step_size = { linspace = [0.5, 1.5, 3] }
)TOML",
                                                "grid.toml");
  REQUIRE(config.runs.size() == 3);
  CHECK(config.runs[1].algorithm.step_size == "1");
  // Specs of the same built-in MDP run once, under the first spelling.
  const SweepConfig same_mdps = parse_sweep_config(R"TOML(
[[mdp]]
spec = "garnet(states=5,actions=2,branching=2)"
[[mdp]]
spec = "garnet(actions=2,states=5,branching=2,seed=0)"
[[mdp]]
spec = "chain"
[[mdp]]
spec = "chain(gamma=0.90)"
[[mdp]]
spec = " chain ( gamma = 9e-1 , ) "
[[mdp]]
spec = "chain(gamma=0.8)"
[[algorithm]]
name = "npg"
step_size = 1
)TOML",
                                                   "grid.toml");
  REQUIRE(same_mdps.runs.size() == 3);
  CHECK(same_mdps.runs[0].mdp == "garnet(states=5,actions=2,branching=2)");
  CHECK(same_mdps.runs[1].mdp == "chain");
  CHECK(same_mdps.runs[2].mdp == "chain(gamma=0.8)");
  // The ends are the values written, even where lo + (hi - lo) rounds away from hi.
  const SweepConfig wide = parse_sweep_config(
      "[[mdp]]\nspec = \"chain\"\n[[algorithm]]\nname = \"npg\"\n"
      "step_size = { linspace = [1e308, 1, 2] }\n",
      "grid.toml");
  REQUIRE(wide.runs.size() == 2);
  CHECK(wide.runs[0].algorithm.step_size == "1e+308");
  CHECK(wide.runs[1].algorithm.step_size == "1");
  // Within rounding of hi the last point stays what it always was: its text is in the run id.
  const SweepConfig kept = parse_sweep_config(
      "[[mdp]]\nspec = \"chain\"\n[[algorithm]]\nname = \"npg\"\n"
      "step_size = { linspace = [0.03, 0.3, 2] }\n",
      "grid.toml");
  REQUIRE(kept.runs.size() == 2);
  CHECK(kept.runs[1].algorithm.step_size == "0.30000000000000004");
  const SweepConfig longer = parse_sweep_config(R"TOML(
[sweep]
iterations = 2000
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spg"
step_size = 0.5
)TOML",
                                                "grid.toml");
  CHECK(longer.run_ids[0] != config.run_ids[0]);
  CHECK(longer.config_digest != config.config_digest);
}

TEST_CASE("bad configs fail with file, line and key before any run") {
  CHECK(error_of(std::string("[sweep]\niteratons = 5\n") + kMinimal) ==
        "grid.toml:2: sweep.iteratons: unknown key; did you mean 'iterations'? (known: name, "
        "iterations, record, init, seeds, tolerances, stop_tolerance, solver)");
  CHECK(error_of(std::string("[sweep]\niterations = \"many\"\n") + kMinimal) ==
        "grid.toml:2: sweep.iterations: expected an integer in [0, 1e9]");
  // A parameter's range is checked before any run, as its type is.
  CHECK(error_of("[[mdp]]\nspec = \"garnet\"\nstates = [4, 0.0]\nactions = 2\nbranching = 1\n"
                 "[[algorithm]]\nname = \"npg\"\nstep_size = 1\n")
            .find("grid.toml:1: mdp: 'garnet(actions=2,branching=1,states=0)': garnet.states: "
                  "must be >= 1, got 0") != std::string::npos);
  CHECK(error_of("[[mdp]]\nspec = \"chain(gamma=1)\"\n[[algorithm]]\nname = \"npg\"\n"
                 "step_size = 1\n")
            .find("chain.gamma: must be in [0, 1), got 1") != std::string::npos);
  CHECK(error_of("[[mdp]]\nspec = \"bandit\"\nmeans = [[]]\n[[algorithm]]\nname = \"npg\"\n"
                 "step_size = 1\n")
            .find("bandit.means: expected a non-empty list") != std::string::npos);
  CHECK(error_of(std::string("[sweep]\nstop_tolerance = inf\n") + kMinimal) ==
        "grid.toml:2: sweep.stop_tolerance: expected a finite number >= 0");
  CHECK(error_of(std::string("[sweep]\ntolerances = [1e-2, 0.01]\n") + kMinimal) ==
        "grid.toml:2: sweep.tolerances: 0.01 is listed twice; each tolerance names one "
        "iters_to_<tol> column");
  CHECK(error_of("[[mdp]]\nspec = \"chain\"\n[[algorithm]]\nname = \"npg\"\n"
                 "step_size = { linspace = [inf, 1, 2] }\n") ==
        "grid.toml:5: algorithm.step_size: lo and hi must be finite numbers");
  CHECK(error_of(std::string("[sweep]\nseeds = [1, -1]\n") + kMinimal) ==
        "grid.toml:2: sweep.seeds: must be between 0 and 2147483647, got -1");
  CHECK(error_of(std::string("[sweep]\nseeds = 3000000000\n") + kMinimal) ==
        "grid.toml:2: sweep.seeds: must be between 0 and 2147483647, got 3000000000");
  CHECK(error_of(std::string("[sweep]\nrecord = \"sometimes\"\n") + kMinimal) ==
        "grid.toml:2: sweep.record: expected 'all', 'log' or a positive integer stride, got "
        "'sometimes'");
  CHECK(error_of(std::string("[swep]\n") + kMinimal) ==
        "grid.toml:1: swep: unknown key; did you mean 'sweep'? (known: sweep, mdp, algorithm)");
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n") ==
        "grid.toml: algorithm: at least one [[algorithm]] block is required");
  CHECK(error_of(
            "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"npg\"\nstep_size = []\n") ==
        "grid.toml:5: algorithm.step_size: an empty list makes an empty grid");
  CHECK(error_of("[[mdp]]\nspec = \"cliffworld\"\n[[algorithm]]\nname = \"npg\"\nstep_size = 1\n")
            .find("grid.toml:1: mdp: 'cliffworld': unknown MDP 'cliffworld'") == 0);
  // A Garnet's branching above its states is refused with the config, not when the run builds it.
  CHECK(
      error_of("[[mdp]]\nspec = \"garnet(states=10,actions=2,branching=11)\"\n[[algorithm]]\n"
               "name = \"npg\"\nstep_size = 1\n") ==
      "grid.toml:1: mdp: 'garnet(states=10,actions=2,branching=11)': garnet.branching: must be in "
      "[1, states = 10], got 11");
  CHECK(
      error_of("[[mdp]]\nspc = \"cliff_world\"\n[[algorithm]]\nname = \"npg\"\nstep_size = 1\n") ==
      "grid.toml:1: mdp[0]: give exactly one of 'spec' (a built-in) or 'file' (an MDP file) "
      "('spc': did you mean 'spec'? (known: spec, file))");
  CHECK(error_of(
            "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"adam\"\nstep_size = 1\n") ==
        "grid.toml:4: algorithm.name: unknown algorithm 'adam' (known: " + registered_names() +
            ")");
  CHECK(
      error_of(
          "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\nstep_size = -0.1\n") ==
      "grid.toml:3: algorithm.step_size: must be > 0 and finite, got -0.1 (with mdp "
      "'five_by_five')");
  CHECK(
      error_of(
          "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\nstep_size = \"gap\"\n")
          .find("bandits (one state, gamma = 0) only") != std::string::npos);
  // A one-state built-in at gamma = 0 of any kind is a bandit, and takes the bandit rules.
  CHECK(error_of("[[mdp]]\nspec = \"garnet(states=1,actions=3,branching=1,gamma=0)\"\n"
                 "[[algorithm]]\nname = \"spma\"\nstep_size = \"gap\"\n") == "(no error)");
  // A map only its build refuses is left to the runs, which say why (not "bandits only").
  CHECK(error_of("[[mdp]]\nspec = \"gridworld(map=SX,gamma=0)\"\n"
                 "[[algorithm]]\nname = \"spma\"\nstep_size = \"gap\"\n") == "(no error)");
  CHECK(error_of("[[mdp]]\nspec = \"garnet(states=1,actions=3,branching=1,gamma=0.5)\"\n"
                 "[[algorithm]]\nname = \"spma\"\nstep_size = \"gap\"\n")
            .find("bandits (one state, gamma = 0) only") != std::string::npos);
  // Parameters checked against each other and the step before any run: npg_entropy's eta <= 1/tau,
  // a geometric schedule on a bandit.
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"npg_entropy\"\n"
                 "tau = [0.1, 1]\nstep_size = 5\n")
            .find("grid.toml:3: algorithm.step_size: must be <= 1/tau = 1") == 0);
  CHECK(error_of("[[mdp]]\nspec = \"bandit(means=[0.1,0.9])\"\n[[algorithm]]\nname = \"npg\"\n"
                 "schedule = \"geometric\"\nstep_size = 1\n")
            .find("npg.schedule: geometric steps") != std::string::npos);
  CHECK(
      error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"npg\"\nstepsize = 1\n") ==
      "grid.toml:5: algorithm.stepsize: unknown key; did you mean 'step_size'? (known: name, "
      "step_size, features, schedule)");
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"npg\"\nstep_size = "
                 "{ logspace = [1, 2] }\n") ==
        "grid.toml:5: algorithm.step_size: expected [lo, hi, n] with numbers lo, hi and an "
        "integer n >= 1");
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\ngamma = [0.5, 0.9]\nspec2 = 1\n[[algorithm]]\n"
                 "name = \"npg\"\nstep_size = 1\n")
            .find("unknown parameter of five_by_five") != std::string::npos);
  CHECK(
      error_of("[[mdp]]\nfile = \"missing.mdp\"\n[[algorithm]]\nname = \"npg\"\nstep_size = 1\n") ==
      "grid.toml:2: mdp[0].file: cannot open '" +
          (std::filesystem::current_path() / "missing.mdp").string() + "': no such file");
  CHECK(error_of("[sweep\n").find("grid.toml:1: syntax:") == 0);
  // A float that toml++ would read as 0 from beyond the range of a double, as in MDP files.
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"npg\"\n"
                 "step_size = [1, -2.5e-999]\n") ==
        "grid.toml:5: algorithm[0].step_size[1]: the number '-2.5e-999' is beyond the range of a "
        "double "
        "(it would read as 0)");
  // Missing initial-policy and feature files name the path tried (resolved against the
  // config's directory), as a missing MDP file does.
  const std::string here = std::filesystem::current_path().string();
  CHECK(error_of("[sweep]\ninit = [\"missing_logits.csv\"]\n[[mdp]]\nspec = \"five_by_five\"\n"
                 "[[algorithm]]\nname = \"npg\"\nstep_size = 1\n") ==
        "grid.toml:2: sweep.init: '" + here + "/missing_logits.csv': no such file");
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
                 "features = \"missing_features.csv\"\nstep_size = 1\n") ==
        "grid.toml:5: algorithm.features: cannot open '" + here +
            "/missing_features.csv': no such file");
}

TEST_CASE("MDP files are resolved relative to the config and their content is part of the id") {
  const std::string directory = "sweep_config_test_dir";
  std::filesystem::create_directories(directory);
  const auto write = [&](const std::string& body) {
    std::ofstream(directory + "/tiny.mdp") << body;
    std::ofstream(directory + "/grid.toml") << "[[mdp]]\nfile = \"tiny.mdp\"\n[[algorithm]]\n"
                                               "name = \"npg\"\nstep_size = 1\n";
    return load_sweep_config(directory + "/grid.toml");
  };
  const SweepConfig first = write("discount: 0.9\nstates: 2\nactions: 1\nT: 0 identity\n");
  // By its absolute path: the same label from any working directory.
  CHECK(first.runs[0].mdp == (std::filesystem::current_path() / directory / "tiny.mdp").string());
  const SweepConfig second = write("discount: 0.8\nstates: 2\nactions: 1\nT: 0 identity\n");
  CHECK(first.run_ids[0] != second.run_ids[0]);
  std::filesystem::remove_all(directory);
}

TEST_CASE("a grid over the run limit is refused from its size, before it is expanded") {
  // The probe: 1,000 Garnet seeds x 100,000 step sizes = 1e8 runs, which used to be expanded
  // (and validated run by run) until memory ran out.
  std::string seeds;
  for (int i = 0; i < 1000; ++i) seeds += (i == 0 ? "" : ", ") + std::to_string(i);
  const std::string huge = "[[mdp]]\nspec = \"garnet(states=5,actions=2,branching=2)\"\nseed = [" +
                           seeds +
                           "]\n[[algorithm]]\nname = \"npg\"\n"
                           "step_size = { logspace = [-3, 2, 100000] }\n";
  const auto start = std::chrono::steady_clock::now();
  CHECK(error_of(huge) ==
        "grid.toml: grid: 100000000 runs (1000 MDPs x 100000 algorithm settings x 1 initial "
        "policies, log-linear settings from the uniform one only, counted before duplicates are "
        "removed) is more than the limit of 1000000 runs; pass --max-runs 100000000 to run it "
        "anyway, or make the grid smaller");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));

  // The limit is a parameter: 3 step sizes x 2 seeds = 6 runs.
  const std::string six = std::string("[sweep]\ninit = \"random\"\nseeds = [1, 2]\n") + kMinimal;
  const std::string six_steps = [&] {
    std::string text = six;
    text.replace(text.find("step_size = 1.0"), 15, "step_size = [0.5, 1.0, 2.0]");
    return text;
  }();
  CHECK(tabrl::testing::input_error_of([&] {
          parse_sweep_config(six_steps, "grid.toml", 5);
        }).find("grid.toml: grid: 6 runs (1 MDPs x 3 algorithm settings x 2 initial policies") ==
        0);
  CHECK(parse_sweep_config(six_steps, "grid.toml", 6).runs.size() == 6);

  // Ten axes of 100 values: 1e20 runs overflow 64 bits; the count saturates instead of wrapping
  // around to a small number (the unknown parameters are only looked at after counting).
  std::string axes;
  for (int axis = 0; axis < 10; ++axis) {
    axes += "p" + std::to_string(axis) + " = [";
    for (int i = 0; i < 100; ++i) axes += (i == 0 ? "" : ", ") + std::to_string(i);
    axes += "]\n";
  }
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n" + axes +
                 "[[algorithm]]\nname = \"npg\"\nstep_size = 1\n")
            .find("grid.toml: grid: more than 18446744073709551615 runs") == 0);
}

TEST_CASE("every algorithm parameter is a key of its block, and a list is an axis") {
  const SweepConfig config = parse_sweep_config(R"TOML(
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spma"
step_size = [0.1, 0.2]
clip = [false, true]
clip_floor = 1e-6
)TOML",
                                                "grid.toml");
  REQUIRE(config.runs.size() == 4);
  CHECK(config.runs[0].algorithm.spec == "spma(clip=false,clip_floor=1e-06,schedule=constant)");
  CHECK(config.runs[1].algorithm.spec == "spma(clip=true,clip_floor=1e-06,schedule=constant)");
  CHECK(config.runs[2].algorithm.step_size == "0.2");
  // The same setting written two ways is one run.
  const SweepConfig same = parse_sweep_config(R"TOML(
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spma"
step_size = 0.1
[[algorithm]]
name = "spma"
step_size = 0.1
clip = false
clip_floor = 0.00000001
)TOML",
                                              "grid.toml");
  CHECK(same.runs.size() == 1);
  const auto error_of = [](const std::string& algorithm_block) {
    try {
      parse_sweep_config("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\n" + algorithm_block,
                         "grid.toml");
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("(no error)");
  };
  CHECK(error_of("name = \"npg\"\nstep_size = 1\nclip = true\n") ==
        "grid.toml:6: algorithm.clip: unknown key (known: name, step_size, features, schedule)");
  CHECK(error_of("name = [\"spma\", \"npg\"]\nstep_size = 1\nclip = true\n") ==
        "grid.toml:6: algorithm.clip: is not a parameter of npg");
  CHECK(error_of("name = \"spma\"\nstep_size = 1\nclip = \"maybe\"\n") ==
        "grid.toml:6: algorithm.clip: expected true or false, got 'maybe'");
  CHECK(error_of("name = \"spma\"\nstep_size = 1\nclip_floor = 0.1\n") ==
        "(no error)");  // accepted here; the run itself refuses a floor without clip
}

// One MDP and one tabular algorithm block, for the log-linear tests to add blocks to.
const std::string kTabularGrid = R"TOML(
[[mdp]]
spec = "five_by_five"
[[algorithm]]
name = "spma"
step_size = 0.1
)TOML";

TEST_CASE("features is an axis of an algorithm block, and tabular run ids are unchanged") {
  const std::string& tabular = kTabularGrid;
  const SweepConfig plain = parse_sweep_config(tabular, "grid.toml");
  const SweepConfig config = parse_sweep_config(tabular + R"TOML(
[[algorithm]]
name = ["spma", "npg"]
features = ["random(dim=4)", "one_hot"]
step_size = 0.1
[[algorithm]]
name = "spma"
features = "random(dim=4)"
inner_steps = [1, 5]
inner_step_size = 0.5
step_size = 0.1
)TOML",
                                                "grid.toml");
  // 1 tabular + 2 names x 2 features + 2 inner-step settings.
  REQUIRE(config.runs.size() == 7);
  CHECK(config.runs[5].algorithm.spec ==
        "spma(inner_step_size=0.5,inner_steps=1,schedule=constant)");
  CHECK(config.run_ids.front() == plain.run_ids.front());
  CHECK(config.runs.front().algorithm.features.empty());
  CHECK(config.runs[1].algorithm.features == "random(dim=4,scale=1,seed=0)");
  CHECK(config.runs[1].algorithm.spec == "spma(inner_step_size=0,inner_steps=0,schedule=constant)");
  CHECK(config.runs[2].algorithm.features == "one_hot");
  CHECK(config.run_ids[1] != config.run_ids[2]);
  // Names without features support and tabular-only keys are refused at load.
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"apg\"\n"
                 "features = \"one_hot\"\nstep_size = 1\n")
            .find("apg does not support features (log-linear policies)") != std::string::npos);
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
                 "features = \"one_hot\"\nclip = true\nstep_size = 1\n")
            .find("algorithm.clip: unknown key") != std::string::npos);
  CHECK(error_of("[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
                 "features = \"random(dim=0)\"\nstep_size = 1\n")
            .find("grid.toml:5: algorithm.features") != std::string::npos);
}

TEST_CASE(
    "log-linear settings run from the uniform init only, and without it the block is refused") {
  const std::string blocks = kTabularGrid + R"TOML(
[[algorithm]]
name = ["spma", "npg"]
features = "one_hot"
step_size = 0.1
)TOML";
  const SweepConfig config = parse_sweep_config(
      "[sweep]\ninit = [\"uniform\", \"adversarial(scale=5)\", \"random\"]\nseeds = [1, 2]\n" +
          blocks,
      "grid.toml");
  // Tabular: 4 inits (random once per seed); log-linear: 2 names from uniform only.
  REQUIRE(config.runs.size() == 6);
  CHECK(config.left_out_log_linear == 6);
  for (const RunSpec& run : config.runs) {
    if (!run.algorithm.features.empty()) CHECK(run.init == "uniform");
  }
  CHECK(parse_sweep_config(blocks, "grid.toml").left_out_log_linear == 0);
  // Left-out combinations are counted once each, and not against --max-runs: 6 runs fit a
  // limit of 6.
  const SweepConfig repeated = parse_sweep_config(
      "[sweep]\ninit = [\"uniform\", \"adversarial\", \"adversarial\"]\n" + blocks, "grid.toml", 6);
  CHECK(repeated.runs.size() == 4);
  CHECK(repeated.left_out_log_linear == 2);
  CHECK(left_out_log_linear_note(repeated) ==
        "2 combinations of a log-linear setting with an init other than \"uniform\" are not in "
        "the grid (log-linear policies start from theta = 0)");
  CHECK(left_out_log_linear_note(parse_sweep_config(blocks, "grid.toml")).empty());
  const std::string error = testing::input_error_of([&] {
    parse_sweep_config("[sweep]\ninit = \"adversarial(scale=5)\"\n" + blocks, "grid.toml");
  });
  // The `features` key's line (the block's header is line 10).
  CHECK(error.find("grid.toml:12: algorithm.features: log-linear policies start from theta = 0") ==
        0);
}

TEST_CASE("a feature file's own errors are refused at load, and names wait for the MDP") {
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / "tabrl_sweep_feature_files";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  const std::string config_path = (root / "grid.toml").string();
  const auto error_with = [&](const std::string& file, const std::string& contents) {
    std::ofstream(root / file) << contents;
    return testing::input_error_of([&] {
      parse_sweep_config(
          "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
          "features = \"" +
              file + "\"\nstep_size = 1\n",
          config_path);
    });
  };
  const std::string csv = (root / "x.csv").lexically_normal().string();
  const std::string toml = (root / "x.toml").lexically_normal().string();
  CHECK(error_with("x.csv", "state,action,f0\n0,0,1\n0,1,abc\n") ==
        csv + ":3: f0: expected a finite number, got 'abc'");
  CHECK(error_with("x.csv", "state,action,f0\n0,0,1\n0,1,1e-400\n") ==
        csv + ":3: f0: expected a finite number, got '1e-400' (beyond the range of a double)");
  CHECK(error_with("x.csv", "state,action,f0\n0,0,1,2\n") ==
        csv + ":2: row: expected 3 fields, got 4");
  CHECK(error_with("x.csv", "state,action,g\n0,0,1\n").find(csv + ":1: header:") == 0);
  CHECK(error_with("x.csv", "state,action,f0\n0,0,1\n0,1,-1e200\n") ==
        csv +
            ":3: f0: '-1e200' is beyond 1e+100 in magnitude: products of such values would "
            "overflow");
  CHECK(error_with("x.toml", "[features]\ndim = 1\nrows = [[0, 0, 1e101]]\n")
            .find(toml + ":3: features.f0: ") == 0);
  CHECK(error_with("x.toml", "[features]\ndim = 1\nrows = [[0, 0, 1.0], [0, 1, \"a\"]]\n") ==
        toml + ":3: features.f0: expected a finite number");
  CHECK(error_with("x.toml", "[features]\ndim = 1\nrows = [[0, -1, 1.0]]\n") ==
        toml + ":3: features.action: expected an action name or a 0-based index");
  CHECK(error_with("x.toml", "[features]\ndim = 2\nrows = [[0, 0, 1.0]]\n")
            .find(toml + ":3: features.rows: expected a row") == 0);
  // A large dim allocates nothing before rows of that length exist: 20,000 short rows at
  // dim = 1e6 (160 GB if allocated first, which was std::bad_alloc, exit 1).
  std::string short_rows = "[features]\ndim = 1000000\nrows = [\n";
  for (int i = 0; i < 20000; ++i) short_rows += "[" + std::to_string(i) + ", 0, 1.0],\n";
  CHECK(error_with("x.toml", short_rows + "]\n").find(toml + ":4: features.rows: expected a row") ==
        0);
  // A pipe would be read once for the digest and then be empty (or block): refused by type.
  std::filesystem::remove(root / "pipe.csv");
  REQUIRE(::mkfifo((root / "pipe.csv").c_str(), 0600) == 0);
  const std::string pipe = std::filesystem::weakly_canonical(root / "pipe.csv").string();
  CHECK(testing::input_error_of([&] {
          parse_sweep_config(
              "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
              "features = \"pipe.csv\"\nstep_size = 1\n",
              config_path);
        })
            .find("algorithm.features: cannot open '" + pipe +
                  "': is a pipe; a sweep reads the files it names more than once") !=
        std::string::npos);
  // An initial policy too (it was read for its digest, then again by each run, which blocked).
  CHECK(testing::input_error_of([&] {
          parse_sweep_config(
              "[sweep]\ninit = \"pipe.csv\"\n[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\n"
              "name = \"spma\"\nstep_size = 1\n",
              config_path);
        }).find("sweep.init: '" + pipe + "': is a pipe; a sweep reads the files it names") !=
        std::string::npos);
  // Names and the coverage of the pairs need the MDP: such files load, and their runs fail.
  CHECK(error_with("x.csv", "state,action,f0\nnowhere,0,1\n") == "(no error)");
  CHECK(error_with("x.toml", "[features]\ndim = 1\nrows = [[\"nowhere\", 0, 1.0]]\n") ==
        "(no error)");
}

TEST_CASE("a feature file's label is the same from any working directory") {
  // Figures and summaries group runs by this label: shards started from different directories
  // must agree on it.
  const std::filesystem::path root =
      std::filesystem::temp_directory_path() / "tabrl_sweep_feature_label";
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "sub");
  std::ofstream(root / "sub" / "f.csv") << "state,action,f0\n0,0,1\n";
  const std::string text =
      "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
      "features = \"f.csv\"\nstep_size = 1\n";
  const std::filesystem::path before = std::filesystem::current_path();
  std::filesystem::current_path(root);
  const SweepConfig from_root = parse_sweep_config(text, "sub/grid.toml");
  std::filesystem::current_path(root / "sub");
  const SweepConfig from_sub = parse_sweep_config(text, "grid.toml");
  std::filesystem::current_path(before);
  REQUIRE(from_root.runs.size() == 1);
  REQUIRE(from_sub.runs.size() == 1);
  CHECK(from_root.runs[0].algorithm.features == (root / "sub" / "f.csv").string());
  CHECK(from_sub.runs[0].algorithm.features == from_root.runs[0].algorithm.features);
  CHECK(from_sub.run_ids == from_root.run_ids);
  // `link/..` as the system resolves it: the parent of the link's target, not of the link.
  std::filesystem::create_directories(root / "real" / "inner");
  std::ofstream(root / "real" / "phi.csv") << "state,action,f0\n0,0,1\n";
  std::filesystem::create_directory_symlink(root / "real" / "inner", root / "sub" / "link");
  const SweepConfig through_link = parse_sweep_config(
      "[[mdp]]\nspec = \"five_by_five\"\n[[algorithm]]\nname = \"spma\"\n"
      "features = \"link/../phi.csv\"\nstep_size = 1\n",
      (root / "sub" / "grid.toml").string());
  REQUIRE(through_link.runs.size() == 1);
  CHECK(through_link.runs[0].algorithm.features == (root / "real" / "phi.csv").string());
}
