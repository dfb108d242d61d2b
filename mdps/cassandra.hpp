// Reader for Cassandra's POMDP file format (pomdp-solve), MDP subset. Supported:
//   discount: g            values: reward | cost
//   states: N | names...   actions: N | names...
//   start: uniform | <state> | p_1 ... p_S      start include: <states>   start exclude: <states>
//   T: a : s : s' p        T: a : s  <S probabilities | uniform>
//   T: a  <S x S probabilities | uniform | identity>
//   R: a : s : s' v        R: a : s : s' : * v   (observation wildcard, for POMDP-style files)
//   R: a : s  <S values over s'>                  R: a  <S x S values>
// where a, s and s' are names, 0-based indices or '*'. Later statements override earlier ones
// entry by entry; unspecified rewards are 0; '#' starts a comment; line breaks are whitespace.
// Rewards r(s, a, s') are reduced to r[s, a] = sum_s' P[s, a, s'] r(s, a, s'); `values: cost`
// negates them. Without a start statement the start distribution is uniform (as in pomdp-solve).
// Observations (`observations:`, `O:`) are POMDP-only and rejected.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include <tabrl/core/mdp.hpp>
#include <tabrl/mdps/assembler.hpp>

namespace tabrl {

// Throws InputError with the file name, line and statement for every malformed input.
// With `errors` in collecting mode, row-level errors (sums, missing rows, probabilities) are all
// collected there; syntax errors still stop the reading.
Mdp read_cassandra(std::istream& input, const std::string& file_name,
                   const MdpValidationOptions& options = {}, ErrorList* errors = nullptr);
Mdp read_cassandra_file(const std::string& path, const MdpValidationOptions& options = {},
                        ErrorList* errors = nullptr);
// The same from the whole text of a file (tests and fuzzing: files are streamed).
Mdp read_cassandra_text(const std::string& text, const std::string& file_name,
                        const MdpValidationOptions& options = {}, ErrorList* errors = nullptr);

// Writes `mdp` in this format. Throws InputError for a name it cannot carry: one that begins
// with a digit, a sign or '.', holds whitespace or one of , " # :, or is a reserved word
// (uniform, identity, include, exclude, *).
void write_cassandra(std::ostream& out, const Mdp& mdp);

}  // namespace tabrl
