#!/usr/bin/env bash
# CLI contract of DESIGN.md: exit codes, CSV header, --help everywhere, no output on bad input.
# usage: cli_test.sh PATH/TO/tabrl DATA_DIR EXAMPLES_DIR
set -uo pipefail
tabrl=$1
data=$2
examples=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# expect_exit CODE DESCRIPTION -- COMMAND...: runs COMMAND, keeps stdout/stderr in $work.
expect_exit() {
  local code=$1 description=$2
  shift 3
  "$@" >"$work/stdout" 2>"$work/stderr"
  local actual=$?
  if [[ $actual -eq $code ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $description: exit $actual, expected $code" >&2
    sed 's/^/  stderr: /' "$work/stderr" | head -5 >&2
  fi
}

# expect_text FILE PATTERN DESCRIPTION: FILE contains the fixed string PATTERN.
expect_text() {
  if grep -qF -- "$2" "$1"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $3: '$2' not found in $(basename "$1")" >&2
    head -5 "$1" | sed 's/^/  got: /' >&2
  fi
}

expect_exit 2 "no command" -- "$tabrl"
expect_exit 2 "unknown command" -- "$tabrl" frobnicate
expect_text "$work/stderr" "unknown command 'frobnicate'" "unknown command message"
expect_exit 0 "top-level help" -- "$tabrl" --help
for command in run "mdp" list; do
  expect_exit 0 "$command --help" -- "$tabrl" $command --help
  expect_text "$work/stdout" "example:" "$command --help shows an example"
done

# Bad usage and bad input: exit 2, a message naming the field, no output file.
out="$work/curve.csv"
expect_exit 2 "run without --mdp" -- "$tabrl" run --algo spma --step-size 0.1
expect_text "$work/stderr" "--mdp" "missing option named"
expect_exit 2 "negative step size" -- "$tabrl" run --mdp five_by_five --algo npg --step-size -1 --out "$out"
expect_text "$work/stderr" "step_size: must be > 0 and finite, got -1" "step size message"
expect_exit 2 "unknown algorithm" -- "$tabrl" run --mdp five_by_five --algo sgd --step-size 1 --out "$out"
expect_text "$work/stderr" "unknown algorithm 'sgd'" "unknown algorithm message"
expect_exit 2 "unknown MDP" -- "$tabrl" run --mdp cliffworld --algo npg --step-size 1 --out "$out"
expect_text "$work/stderr" "unknown MDP 'cliffworld'" "unknown MDP message"
expect_exit 2 "missing file" -- "$tabrl" run --mdp "$work/none.mdp" --algo npg --step-size 1 --out "$out"
expect_text "$work/stderr" "none.mdp: no such file" "missing file message"
expect_exit 2 "malformed file" -- "$tabrl" run --mdp "$data/bad_row.mdp" --algo npg --step-size 1 --out "$out"
expect_text "$work/stderr" "bad_row.mdp:4: T: transition row (state 0, action 0) sums to 0.9, not 1" \
  "malformed file message with line"
expect_exit 2 "unknown TABRL_SIMD" -- env TABRL_SIMD=avx512 "$tabrl" run --mdp five_by_five --algo npg --step-size 1 --out "$out"
expect_text "$work/stderr" "TABRL_SIMD: unknown value 'avx512'; expected auto, portable or avx-fma" \
  "TABRL_SIMD message"
expect_exit 0 "TABRL_SIMD=portable" -- env TABRL_SIMD=portable "$tabrl" run --mdp five_by_five --algo npg --step-size 1 --iterations 3 --out "$work/portable.csv"
expect_text "$work/stderr" "vector kernels portable" "status line names the vector kernels"
expect_exit 2 "too many threads" -- "$tabrl" run --mdp five_by_five --algo npg --step-size 1 --threads 100000 --out "$out"
expect_text "$work/stderr" "threads: must be in [0, 1024] (0: one per processor), got 100000" \
  "thread cap message"
expect_exit 2 "bad iteration count" -- "$tabrl" run --mdp five_by_five --algo npg --step-size 1 --iterations x
expect_exit 2 "bad record schedule" -- "$tabrl" run --mdp five_by_five --algo npg --step-size 1 --record 0
expect_exit 2 "gap step on an MDP" -- "$tabrl" run --mdp five_by_five --algo spma --step-size gap
if [[ -e $out ]]; then
  failed=$((failed + 1))
  echo "FAIL: bad input left an output file behind" >&2
else
  passed=$((passed + 1))
fi

# A run: exit 0, the DESIGN.md header, one row per iteration, 17 significant digits.
expect_exit 0 "spma run" -- "$tabrl" run --mdp five_by_five --algo spma --step-size 0.099 \
  --iterations 3000 --tolerance 1e-6 --out "$out"
expect_text "$out" "iteration,objective,suboptimality,value_error_inf,step_size,spma_c" "SPMA header"
expect_text "$work/stderr" "converged at iteration 1278" "SPMA reference iteration"
rows=$(($(wc -l <"$out") - 1))
if [[ $rows -eq 1279 ]]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: expected 1279 rows, got $rows" >&2; fi
expect_text "$out" "0,9.0" "first row present"
if ls "$work" | grep -q '\.tmp\.'; then
  failed=$((failed + 1)); echo "FAIL: temporary file left behind" >&2
else passed=$((passed + 1)); fi

expect_exit 0 "bandit run to stdout" -- "$tabrl" run --mdp "bandit(means=[0.2,0.5,0.9])" --algo spma \
  --step-size gap --iterations 5
expect_text "$work/stdout" "iteration,objective,suboptimality,value_error_inf,step_size,optimal_action_prob,spma_c" \
  "bandit header"
expect_exit 0 "npg on a Cassandra file" -- "$tabrl" run --mdp "$data/two_state.mdp" --algo npg \
  --step-size 1 --iterations 50 --record 10
expect_text "$work/stdout" "iteration,objective,suboptimality,value_error_inf,step_size" "NPG header"
expect_text "$work/stdout" "50," "last iteration recorded"

expect_exit 0 "progress lines" -- "$tabrl" run --mdp five_by_five --algo npg --step-size 1 \
  --iterations 20 --progress 10 --out "$out"
expect_text "$work/stderr" "tabrl run: iteration 20, suboptimality" "progress line"

# A run that cannot continue: exit 1, the curve so far is still written.
expect_exit 1 "invalid SPMA step" -- "$tabrl" run --mdp cliff_world --algo spma --step-size 1 --out "$out"
expect_text "$work/stderr" "step_invalid at iteration 0" "step_invalid status"
expect_text "$work/stderr" "state 0, action 'up' (1)" "step_invalid names state and action"
expect_text "$out" "iteration," "curve written on step_invalid"
expect_exit 0 "clipped SPMA step" -- "$tabrl" run --mdp cliff_world --algo spma --step-size 1 --clip \
  --iterations 20 --out "$out"
expect_text "$out" "step_size,spma_c,clipped" "clip header"
expect_exit 0 "--clip-floor with clip=true in the spec" -- "$tabrl" run --mdp cliff_world \
  --algo "spma(clip=true)" --clip-floor 0.1 --step-size 1 --iterations 5 --out "$out"
expect_exit 2 "--clip-floor and clip_floor= both given" -- "$tabrl" run --mdp cliff_world \
  --algo "spma(clip=true,clip_floor=0.2)" --clip-floor 0.1 --step-size 1 --out "$out"
expect_text "$work/stderr" "both given" "the option and the key named"
expect_exit 1 "Armijo line search fails" -- "$tabrl" run --mdp "bandit(means=[0,1])" \
  --algo "spg_armijo(c=0.999,beta=0.9)" --step-size 100 --out "$out"
expect_text "$work/stderr" "line_search_failed at iteration 1" "line_search_failed status"
expect_text "$out" "1,0.52493776733114794," "curve written on line_search_failed"
expect_exit 2 "Armijo constant out of range" -- "$tabrl" run --mdp five_by_five \
  --algo "spg_armijo(c=1.5)" --step-size 1 --out "$out"
expect_text "$work/stderr" "spg_armijo.c: must be in (0, 1), got 1.5" "Armijo constant message"
expect_exit 0 "apg run" -- "$tabrl" run --mdp five_by_five --algo apg --step-size theory \
  --iterations 5 --out "$out"
expect_text "$out" "step_size,restarted" "apg header"
expect_exit 0 "gnpg stationary" -- "$tabrl" run --mdp "bandit(means=[0.5,0.5])" --algo gnpg \
  --step-size 1 --out "$out"
expect_text "$work/stderr" "stationary at iteration 0" "stationary status"

# mdp solve and list.
expect_exit 0 "mdp solve" -- "$tabrl" mdp solve "$data/two_state.mdp"
expect_text "$work/stdout" "state,v_star,optimal_action" "solve table header"
# V*(start) = gamma / (1 - gamma) = 9 and V*(goal) = 10, with the file's names.
if awk -F, '$1 == "start" && ($2 - 9) ^ 2 < 1e-24 && $3 == "move" { s = 1 }
            $1 == "goal" && ($2 - 10) ^ 2 < 1e-24 && $3 == "stay" { g = 1 }
            END { exit !(s && g) }' "$work/stdout"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: mdp solve values of two_state.mdp" >&2; cat "$work/stdout" >&2
fi
expect_exit 2 "mdp with unknown action" -- "$tabrl" mdp frobnicate five_by_five
expect_exit 0 "list" -- "$tabrl" list
expect_text "$work/stdout" "garnet" "list shows garnet"
expect_text "$work/stdout" "spma" "list shows spma"

# mdp info, validate and convert.
expect_exit 0 "mdp info" -- "$tabrl" mdp info cliff_world
expect_text "$work/stdout" "largest SPMA step (1-gamma)/R: 0.00099009900990099" "info: SPMA step"
expect_text "$work/stdout" "absorbing states: 1 (20)" "info: absorbing states"
expect_exit 0 "validate a good file" -- "$tabrl" mdp validate "$data/two_state.mdp"
expect_text "$work/stdout" "valid MDP, 2 states, 2 actions" "validate: summary"
printf 'gamma = 0.9\nstates = ["a", "b"]\nactions = 1\n[[transition]]\nfrom = "a"\naction = 0\nto = { a = 0.5, c = 0.5 }\n' >"$work/bad.toml"
expect_exit 2 "validate a bad file" -- "$tabrl" mdp validate "$work/bad.toml"
expect_text "$work/stderr" "bad.toml:7: transition.to: unknown state 'c'" "validate: first error"
expect_text "$work/stderr" "bad.toml:7: transition: no transition probabilities given for (state b, action 0)" "validate: second error"
expect_text "$work/stderr" "3 errors" "validate: count"
for format in toml mdp csv; do
  expect_exit 0 "convert to $format" -- "$tabrl" mdp convert "$data/two_state.mdp" --to "$work/converted.$format"
  expect_exit 0 "solve converted $format" -- "$tabrl" mdp solve "$work/converted.$format"
  expect_text "$work/stdout" "start,9.0000000000000018,move" "converted $format keeps values and names"
done
# A TOML file's [features] table: validated (NaN is an error with its line), carried over by
# convert to TOML (the same runs), and named on stderr for formats that cannot hold it.
"$tabrl" mdp convert "$data/two_state.mdp" --to "$work/featured.toml" 2>/dev/null
printf '\n[features]\ndim = 2\nrows = [\n  [0, 0, 1, 0.5],\n  [0, 1, 0, 1],\n  [1, 0, nan, 2],\n  [1, 1, 3, 0.25],\n]\n' \
  >>"$work/featured.toml"
line=$(grep -n 'nan' "$work/featured.toml" | cut -d: -f1)
expect_exit 2 "validate: NaN in [features]" -- "$tabrl" mdp validate "$work/featured.toml"
expect_text "$work/stderr" "featured.toml:$line: features.f0: expected a finite number" "validate: NaN feature line"
sed -i 's/nan/-1.5/' "$work/featured.toml"
expect_exit 0 "validate: [features]" -- "$tabrl" mdp validate "$work/featured.toml"
expect_text "$work/stdout" "2 features" "validate: features counted"
expect_exit 0 "convert keeps [features] in TOML" -- "$tabrl" mdp convert "$work/featured.toml" --to "$work/featured2.toml"
expect_text "$work/featured2.toml" "[features]" "converted TOML has [features]"
for source in featured featured2; do
  expect_exit 0 "run with $source features" -- "$tabrl" run --mdp "$work/$source.toml" \
    --features "$work/$source.toml" --algo spma --step-size 0.5 --iterations 5 --out "$work/$source.csv"
done
if cmp -s "$work/featured.csv" "$work/featured2.csv"; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: converted [features] give a different run" >&2; fi
expect_exit 0 "convert [features] to .mdp" -- "$tabrl" mdp convert "$work/featured.toml" --to "$work/featured.mdp"
expect_text "$work/stderr" "the [features] table of" "convert names the features it cannot carry"
expect_exit 2 "convert to an unknown format" -- "$tabrl" mdp convert five_by_five --to "$work/x.json"
expect_text "$work/stderr" "unknown MDP format" "convert: format message"

# Reader robustness (found by hostile probing): directories, every error listed, repeated
# settings, byte order marks, huge tokens.
for format in toml mdp csv; do
  mkdir -p "$work/dir.$format"
  expect_exit 2 "a directory named .$format" -- "$tabrl" mdp info "$work/dir.$format"
  expect_text "$work/stderr" "dir.$format: is a directory" "directory message ($format)"
  expect_exit 2 "validate a directory named .$format" -- "$tabrl" mdp validate "$work/dir.$format"
  expect_text "$work/stderr" "dir.$format: is a directory" "validate: directory message ($format)"
done
expect_exit 2 "run on a directory" -- "$tabrl" run --mdp "$work/dir.mdp" --algo npg --step-size 1
printf 'discount: 0.9\nstates: a b\nactions: go\nT: go : a : c 1.0\ndiscount: 0.5\nT: go : b 0.5 0.4\nhello\n' >"$work/errors.mdp"
expect_exit 2 "validate lists every error" -- "$tabrl" mdp validate "$work/errors.mdp"
expect_text "$work/stderr" "errors.mdp:4: T: unknown state 'c'" "validate: first error"
expect_text "$work/stderr" "errors.mdp:5: discount: given twice (first at line 1)" "validate: repeated setting"
expect_text "$work/stderr" "errors.mdp:6: T: transition row (state b, action go) sums to 0.9, not 1" \
  "validate: third error"
expect_text "$work/stderr" "errors.mdp:7: syntax: expected a statement" "validate: fourth error"
expect_text "$work/stderr" "errors.mdp:7: T: no transition probabilities given for (state a, action go)" \
  "validate: fifth error"
expect_text "$work/stderr" "errors.mdp: 5 errors" "validate: every error counted"
if [[ $(grep -c '^.*errors\.mdp:[0-9]*: ' "$work/stderr") -eq 5 && ! -s "$work/stdout" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: validate: one line with file:line per error, no output" >&2
fi
{ printf 'discount: 0.9\nstates: 2\nactions: 1\n'; for i in $(seq 150); do printf 'T: 0 : 0 : 9 1.0\n'; done; } >"$work/many.mdp"
expect_exit 2 "validate stops at 100 errors" -- "$tabrl" mdp validate "$work/many.mdp"
expect_text "$work/stderr" "many.mdp:104: T: too many errors; stopped after 100" "validate: error cap"
expect_text "$work/stderr" "many.mdp: 101 errors" "validate: capped count"
{ printf '\xef\xbb\xbf'; cat "$data/two_state.mdp"; } >"$work/bom.mdp"
expect_exit 0 "a byte order mark is skipped" -- "$tabrl" mdp solve "$work/bom.mdp"
"$tabrl" mdp solve "$data/two_state.mdp" 2>/dev/null | tail -n +2 >"$work/plain.txt"
if [[ "$(tail -n +2 "$work/stdout")" == "$(cat "$work/plain.txt")" ]]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: a file with a byte order mark solves differently" >&2; fi
{ printf 'discount: 0.9\nstates: 2\nactions: 1\nT: 0 : '; head -c 52000000 /dev/zero | tr '\0' z
  printf ' : 1 1.0\n'; } >"$work/token.mdp"
expect_exit 2 "a 52 MB token" -- "$tabrl" mdp info "$work/token.mdp"
expect_text "$work/stderr" "token.mdp:4: T: unknown state '$(printf 'z%.0s' {1..57})...' (52000000 bytes)" \
  "huge token cut"
if [[ $(wc -c <"$work/stderr") -lt 300 ]]; then passed=$((passed + 1)); else
  failed=$((failed + 1)); echo "FAIL: a huge token was echoed ($(wc -c <"$work/stderr") bytes)" >&2; fi
rm -f "$work/token.mdp"

# --threads changes no result: the same curve, byte for byte, on 1 and 2 threads, on an MDP large
# enough for the parallel loops (40,000 states: 10 chunks of states, 40 of state-action pairs),
# with SPMA (Krylov) and with policy iteration; and the status line names kernel and threads.
for algo in spma pi; do
  step=(--step-size 0.5); [[ $algo == pi ]] && step=()
  for threads in 1 2; do
    expect_exit 0 "$algo on $threads threads" -- "$tabrl" run \
      --mdp "garnet(states=40000,actions=4,branching=5,seed=3)" --algo "$algo" "${step[@]}" \
      --iterations 4 --threads "$threads" --out "$work/threads_$threads.csv"
  done
  expect_text "$work/stderr" "kernel sparse, solver krylov, 2 threads" "status line: kernel, threads"
  if cmp -s "$work/threads_1.csv" "$work/threads_2.csv" && [[ -s $work/threads_1.csv ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "FAIL: $algo curves differ between --threads 1 and 2" >&2
  fi
done
expect_exit 2 "negative --threads" -- "$tabrl" run --mdp chain --algo spma --step-size 0.1 \
  --threads -1
expect_exit 0 "forced dense kernel on a built-in" -- "$tabrl" run --mdp "garnet(states=50,actions=4,branching=5,seed=3)" --algo spma --step-size 0.05 --iterations 3 --kernel dense --out "$out"
expect_text "$work/stderr" "kernel dense" "a built-in honours --kernel dense"
expect_exit 0 "forced sparse kernel on a built-in" -- "$tabrl" run --mdp five_by_five --algo spma --step-size 0.05 --iterations 3 --kernel sparse --out "$out"
expect_text "$work/stderr" "kernel sparse" "a built-in honours --kernel sparse"
expect_exit 2 "unknown --kernel" -- "$tabrl" run --mdp chain --algo spma --step-size 0.1 \
  --kernel full
expect_exit 0 "dense kernel in mdp info" -- "$tabrl" mdp info "garnet(states=10,actions=4,branching=10)"
expect_text "$work/stdout" "kernel storage: dense" "mdp info names the dense kernel"
expect_exit 0 "sparse kernel in mdp info" -- "$tabrl" mdp info "garnet(states=100,actions=4,branching=5)"
expect_text "$work/stdout" "kernel storage: sparse" "mdp info names the sparse kernel"

# Every example MDP file is accepted by `tabrl run` as it is (directories hold example projects).
for example in "$examples"/*; do
  [[ -f $example ]] || continue
  expect_exit 0 "run on $(basename "$example")" -- "$tabrl" run --mdp "$example" --algo npg \
    --step-size 1 --iterations 20 --quiet
done

# Log-linear policies (--features): bad features exit 2 naming file:line, no output; the
# algorithms without features say which have them; SPMA's step_invalid keeps the curve (exit 1).
ll_out="$work/ll.csv"
printf 'state,action,f0,f1\n0,0,1,0\n0,1,nan,1\n' >"$work/nan_features.csv"
expect_exit 2 "NaN feature" -- "$tabrl" run --mdp "$examples/two_state.mdp" --features "$work/nan_features.csv" --algo spma --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "nan_features.csv:3: f0: expected a finite number" "NaN feature message"
[[ ! -e $ll_out ]] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: output after bad features" >&2; }
printf 'state,action,f0\n0,0,1\n' >"$work/short_features.csv"
expect_exit 2 "features missing a pair" -- "$tabrl" run --mdp "$examples/two_state.mdp" --features "$work/short_features.csv" --algo spma --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "short_features.csv: row: no row for state" "missing pair message"
expect_exit 2 "dim=0" -- "$tabrl" run --mdp five_by_five --features "random(dim=0)" --algo spma --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "random.dim" "dim=0 message"
expect_exit 2 "non-integer dim" -- "$tabrl" run --mdp five_by_five --features "random(dim=2.5)" --algo spma --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "random.dim" "non-integer dim message"
expect_exit 2 "huge random dim" -- "$tabrl" run --mdp five_by_five --features "random(dim=10000000)" --algo spma --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "random.dim: must be in [1, 1e+06], got 10000000" "huge dim message"
expect_exit 2 "overflowing features" -- "$tabrl" run --mdp five_by_five --features "random(dim=2,scale=1e300)" --algo spma --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "is beyond 1e100: products of features would overflow" "overflowing features message"
printf 'state,action,f0\n0,0,1e200\n0,1,1\n1,0,1\n1,1,1\n' >"$work/big_features.csv"
expect_exit 2 "overflowing feature file" -- "$tabrl" run --mdp "$examples/two_state.mdp" --features "$work/big_features.csv" --algo npg --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "big_features.csv" "overflowing feature file names the file"
[[ ! -e $ll_out ]] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: output after overflowing features" >&2; }
expect_exit 2 "apg with features" -- "$tabrl" run --mdp five_by_five --features one_hot --algo apg --step-size 0.1 --out "$ll_out"
expect_text "$work/stderr" "apg does not support features (log-linear policies); the algorithms with log-linear policies are spma, npg, spg, mdpo" "features support message"
expect_exit 2 "init with features" -- "$tabrl" run --mdp five_by_five --features one_hot --algo spma --step-size 0.1 --init "random(seed=1)" --out "$ll_out"
[[ ! -e $ll_out ]] && passed=$((passed + 1)) || { failed=$((failed + 1)); echo "FAIL: output after refused features run" >&2; }
expect_exit 1 "log-linear SPMA step_invalid" -- "$tabrl" run --mdp five_by_five --features "random(dim=3,seed=2)" --algo spma --step-size 1000 --iterations 5 --out "$ll_out"
expect_text "$work/stderr" "step_invalid at iteration 0" "log-linear step_invalid status"
expect_text "$work/stderr" "at state" "log-linear step_invalid names the state"
expect_text "$ll_out" "iteration,objective,suboptimality,value_error_inf,step_size,projection_error,inner_gradient_norm,inner_iterations" "log-linear curve header"
expect_exit 0 "log-linear npg" -- "$tabrl" run --mdp five_by_five --features "random(dim=4)" --algo npg --step-size 1 --iterations 3 --out "$ll_out"
expect_text "$ll_out" "inner_iterations,feature_rank" "npg rank column"

cat >"$work/features.toml" <<'TOML'
gamma = 0.9
states = ["a", "b"]
actions = ["stay", "move"]
rewards = [[0.0, 0.5], [1.0, 0.0]]
[dense]
stay = [[1, 0], [0, 1]]
move = [[0, 1], [1, 0]]
[features]
dim = 2
rows = [["a", "stay", 1.0, 0.0], ["a", "move", 0.0, 1.0], [1, 0, 0.5, 0.5], [1, 1, 0.2, 0.9]]
TOML
expect_exit 0 "TOML [features] table" -- "$tabrl" run --mdp "$work/features.toml" --features "$work/features.toml" --algo spma --step-size 0.05 --iterations 3 --out "$ll_out"
sed 's/0.2, 0.9/0.2, nan/' "$work/features.toml" >"$work/bad_features.toml"
expect_exit 2 "NaN in a TOML [features] table" -- "$tabrl" run --mdp "$work/features.toml" --features "$work/bad_features.toml" --algo spma --step-size 0.05 --out "$ll_out"
expect_text "$work/stderr" "bad_features.toml:10: features.f1: expected a finite number" "TOML features message"
echo "cli_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
