// The spec grammar of core/spec.hpp: parse, print, canonical form, typed arguments and errors.
#include <doctest/doctest.h>

#include <tabrl/core/error.hpp>
#include <tabrl/core/spec.hpp>

#include "helpers.hpp"

using namespace tabrl;
using tabrl::testing::input_error_of;

TEST_CASE("a spec parses into its name and arguments, in order, and prints back") {
  const Spec spec = parse_spec(" garnet( states = 50, actions=4 ,means=[0.1, 0.2] ) ", "mdp");
  CHECK(spec.name == "garnet");
  REQUIRE(spec.arguments.size() == 3);
  CHECK(spec.arguments[0] == std::pair<std::string, std::string>{"states", "50"});
  CHECK(spec.arguments[2] == std::pair<std::string, std::string>{"means", "[0.1,0.2]"});
  CHECK(spec.to_string() == "garnet(states=50,actions=4,means=[0.1,0.2])");
  CHECK(parse_spec(spec.to_string(), "mdp").to_string() == spec.to_string());
  CHECK(parse_spec("a(v=[ [1 , 2] ,[3] ])", "mdp").arguments[0].second == "[[1,2],[3]]");
  CHECK(parse_spec("a(map=S. .G)", "mdp").arguments[0].second == "S. .G");
  CHECK(parse_spec("spma", "algo").to_string() == "spma");
  CHECK(parse_spec("spma()", "algo").to_string() == "spma");
  CHECK(parse_spec("spma(clip=true,)", "algo").to_string() == "spma(clip=true)");
}

TEST_CASE("the canonical form does not depend on the order of the arguments") {
  CHECK(parse_spec("mdpo(inner_steps=5,inner_step_size=2)", "algo").canonical() ==
        parse_spec("mdpo(inner_step_size=2, inner_steps=5)", "algo").canonical());
  CHECK(parse_spec("a(x=1)", "f").with("y", "2").with("x", "3").to_string() == "a(x=3,y=2)");
}

TEST_CASE("malformed specs are refused with the field and the reason") {
  CHECK(input_error_of([] { parse_spec("garnet(states=5", "mdp"); }) ==
        "mdp: spec 'garnet(states=5' lacks a closing ')'");
  CHECK(input_error_of([] { parse_spec("garnet(states)", "mdp"); }) ==
        "mdp: expected key=value in 'garnet(states)', got 'states'");
  CHECK(input_error_of([] { parse_spec("garnet(states=1,states=2)", "mdp"); }) ==
        "garnet.states: given twice in 'garnet(states=1,states=2)'");
  CHECK(input_error_of([] { parse_spec("bandit(means=[1,2)", "mdp"); }).find("unbalanced") !=
        std::string::npos);
  CHECK(input_error_of([] { parse_spec("(x=1)", "mdp"); }).find("no name") != std::string::npos);
  CHECK(input_error_of([] { parse_spec("a(=1)", "mdp"); }).find("empty key") != std::string::npos);
}

TEST_CASE("arguments are read through a typed parameter table") {
  const std::vector<ParameterInfo> parameters{{"steps", "integer", "10", ""},
                                              {"size", "number", "", ""},
                                              {"clip", "boolean", "false", ""},
                                              {"means", "list of numbers", "[1]", ""}};
  const SpecArguments args(parse_spec("m(size=0.5,means=[1, 2.5])", "algo"), parameters);
  CHECK(args.integer("steps") == 10);
  CHECK(args.number("size") == 0.5);
  CHECK_FALSE(args.boolean("clip"));
  CHECK(args.numbers("means") == std::vector<double>{1.0, 2.5});
  CHECK(args.given("size"));
  CHECK_FALSE(args.given("steps"));
  CHECK(input_error_of([&] { SpecArguments(parse_spec("m(stpes=3)", "algo"), parameters); }) ==
        "m.stpes: unknown parameter of m 'stpes'; did you mean 'steps'? (known: steps, size, clip, "
        "means)");
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m", "algo"), parameters).number("size");
        }) == "m.size: required parameter is missing");
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(steps=2.5,size=1)", "algo"), parameters).integer("steps");
        }) == "m.steps: expected an integer, got '2.5'");
  // An integer beyond the parameters' int range says so, rather than "expected an integer".
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(steps=3000000000,size=1)", "algo"), parameters)
              .integer("steps");
        }) == "m.steps: must be in [-2147483648, 2147483647], got 3000000000");
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(size=nan)", "algo"), parameters).number("size");
        }) == "m.size: expected a number, got 'nan'");
  // A space inside a value is part of it (was removed: "1 0" read as 10, a silent wrong value);
  // spaces around a list's brackets and commas are not.
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(steps=1 0,size=1)", "algo"), parameters).integer("steps");
        }) == "m.steps: expected an integer, got '1 0'");
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(size=0. 5)", "algo"), parameters).number("size");
        }) == "m.size: expected a number, got '0. 5'");
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(size=1,means=[0.1 2])", "algo"), parameters).numbers("means");
        }).find("'0.1 2'") != std::string::npos);
  CHECK(SpecArguments(parse_spec("m(size=1,means=[ 1 ,\t2.5 ] )", "algo"), parameters)
            .numbers("means") == std::vector<double>{1.0, 2.5});
  CHECK_NOTHROW(
      SpecArguments(parse_spec("m(size=2,means=[3])", "algo"), parameters).check_values());
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(steps=3)", "algo"), parameters).check_values();
        }) == "m.size: required parameter is missing");
  CHECK(input_error_of([&] {
          SpecArguments(parse_spec("m(size=1,clip=yes)", "algo"), parameters).check_values();
        }) == "m.clip: expected true or false, got 'yes'");
  CHECK(check_parameter_value({"k", "integer"}, "3") == std::nullopt);
  CHECK(check_parameter_value({"k", "boolean"}, "yes").has_value());
  CHECK(check_parameter_value({"k", "list of numbers"}, "[1,x]").has_value());
}

TEST_CASE("parameter ranges and choices are checked by every getter and named in the error") {
  const std::vector<ParameterInfo> parameters{
      {"tau", "number", "", "", {}, {.low = 0.0, .low_open = true}},
      {"steps", "integer", "10", "", {}, {.low = 1.0}},
      {"c",
       "number",
       "0.5",
       "",
       {},
       {.low = 0.0, .high = 1.0, .low_open = true, .high_open = true}},
      {"schedule", "choice", "constant", "", {"constant", "geometric"}}};
  const auto args = [&](const std::string& text) {
    return SpecArguments(parse_spec(text, "algo"), parameters);
  };
  CHECK(args("m(tau=0.1)").number("tau") == 0.1);
  CHECK(input_error_of([&] { args("m(tau=0)").number("tau"); }) == "m.tau: must be > 0, got 0");
  CHECK(input_error_of([&] { args("m(tau=1,steps=0)").integer("steps"); }) ==
        "m.steps: must be >= 1, got 0");
  CHECK(input_error_of([&] { args("m(tau=1,c=1)").check_values(); }) ==
        "m.c: must be in (0, 1), got 1");
  CHECK(args("m(tau=1,schedule=geometric)").text("schedule") == "geometric");
  CHECK(input_error_of([&] {
          args("m(tau=1,schedule=geometrik)").check_values();
        }).find("did you mean 'geometric'") != std::string::npos);
  CHECK(check_parameter_value(parameters[0], "-1") == "must be > 0, got -1");
  CHECK(check_parameter_value(parameters[0], "1e-300") == std::nullopt);
}
