// tabrl.Mdp: from arrays (through mdps/arrays.hpp, checked as the file readers check), from a
// spec or file (load_mdp), its arrays back as NumPy and SciPy objects, its optimal solution and
// the exact evaluation of a policy.
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <tabrl/core/cancellation.hpp>
#include <tabrl/core/error.hpp>
#include <tabrl/core/evaluation.hpp>
#include <tabrl/core/format.hpp>
#include <tabrl/core/optimal.hpp>
#include <tabrl/mdps/arrays.hpp>
#include <tabrl/mdps/registry.hpp>

#include "bindings.hpp"

namespace tabrl::python {

std::string shape_text(const py::array& array) {
  std::string text = "(";
  for (py::ssize_t axis = 0; axis < array.ndim(); ++axis) {
    if (axis > 0) text += ", ";
    text += std::to_string(array.shape(axis));
  }
  return text + (array.ndim() == 1 ? ",)" : ")");
}

namespace {

[[noreturn]] void shape_error(const char* name, const std::string& expected,
                              const py::array& array) {
  throw py::value_error(std::string(name) + ": expected shape " + expected + ", got " +
                        shape_text(array));
}

// `object` as a C-ordered, aligned `T` array of the same shape (0-d stays 0-d), converted by NumPy
// where it is not one already (NumPy then raises its own MemoryError when the copy does not fit;
// pybind11's ensure() would hand back an empty array instead).
template <typename T>
py::array_t<T, py::array::c_style | py::array::forcecast> contiguous_array(const py::handle& object,
                                                                           const char* dtype) {
  const py::object converted = py::module_::import("numpy").attr("require")(
      object, py::arg("dtype") = dtype, py::arg("requirements") = "CA");
  return converted.cast<py::array_t<T, py::array::c_style | py::array::forcecast>>();
}

using IndexArray = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;

template <typename T>
std::span<const T> span_of(const py::array_t<T, py::array::c_style | py::array::forcecast>& array) {
  return {array.data(), static_cast<std::size_t>(array.size())};
}

// `count` names (an empty list is refused as any other wrong count; None is no names).
std::vector<std::string> names_of(const py::object& names, const char* what, Index count) {
  if (names.is_none()) return {};
  if (py::isinstance<py::str>(names) || !py::isinstance<py::sequence>(names)) {
    throw py::type_error(std::string(what) + ": expected a sequence of names, got " +
                         py::str(py::type::of(names).attr("__name__")).cast<std::string>());
  }
  std::vector<std::string> out;
  for (const py::handle item : names) {
    if (!py::isinstance<py::str>(item)) {
      throw py::type_error(std::string(what) + ": name " + std::to_string(out.size()) +
                           " is not a string but " +
                           py::str(py::type::of(item).attr("__name__")).cast<std::string>());
    }
    // With surrogate escapes, as the names of a file that are not UTF-8 come out (name_text):
    // `from_arrays(..., states=mdp.state_names)` gives the same bytes back.
    PyObject* encoded = PyUnicode_AsEncodedString(item.ptr(), "utf-8", "surrogateescape");
    if (encoded == nullptr) {  // a lone surrogate outside the escapes has no UTF-8 form
      PyErr_Clear();
      throw py::value_error(std::string(what) + ": name " + std::to_string(out.size()) +
                            " cannot be written as UTF-8");
    }
    out.push_back(py::reinterpret_steal<py::bytes>(encoded).cast<std::string>());
  }
  if (out.empty() && count > 0) {
    throw py::value_error(std::string(what) + ": expected " + std::to_string(count) +
                          " names, got 0");
  }
  return out;
}

// The discount as a float: a number (int, float, NumPy scalar, Decimal) only, and a TypeError
// naming it otherwise, not pybind11's list of signatures with the arrays' whole text in it.
double discount_of(const py::object& gamma) {
  const bool text = py::isinstance<py::str>(gamma) || py::isinstance<py::bytes>(gamma);
  const py::module_ numpy = py::module_::import("numpy");
  const bool not_real =
      py::isinstance<py::bool_>(gamma) || py::isinstance(gamma, numpy.attr("bool_")) ||
      PyComplex_Check(gamma.ptr()) || py::isinstance(gamma, numpy.attr("complexfloating"));
  if (!text && !not_real && py::hasattr(gamma, "__float__")) {
    return gamma.cast<double>();
  }
  throw py::type_error("gamma: expected a number, got " +
                       py::str(py::type::of(gamma).attr("__name__")).cast<std::string>());
}

std::shared_ptr<Mdp> from_arrays(const py::object& transitions, const py::object& rewards,
                                 const py::object& gamma_object, const py::object& rho,
                                 const py::object& states, const py::object& actions) {
  const double gamma = discount_of(gamma_object);
  const FloatArray r = float_array(rewards, "r");
  if (r.ndim() != 2 && r.ndim() != 3) shape_error("r", "(S, A) or (S, A, S)", r);
  const Index S = r.shape(0);
  const Index A = r.shape(1);
  const std::string sa = "(" + std::to_string(S) + ", " + std::to_string(A);
  if (r.ndim() == 3 && r.shape(2) != S) {
    shape_error("r", sa + ") or " + sa + ", " + std::to_string(S) + ") (S, A from r)", r);
  }
  const FloatArray start = float_array(rho, "rho");
  if (start.ndim() != 1 || start.shape(0) != S) {
    shape_error("rho", "(" + std::to_string(S) + ",) (S from r)", start);
  }
  MdpArrays arrays{.num_states = S,
                   .num_actions = A,
                   .gamma = gamma,
                   .rewards = span_of(r),
                   .rho = span_of(start),
                   .state_names = names_of(states, "states", S),
                   .action_names = names_of(actions, "actions", A)};

  // Dense (S, A, S), or any scipy.sparse matrix of shape (S * A, S), taken as CSR.
  FloatArray dense, values;
  IndexArray row_starts, columns;
  if (!py::isinstance<py::array>(transitions) &&
      py::module_::import("scipy.sparse").attr("issparse")(transitions).cast<bool>()) {
    const py::tuple shape = transitions.attr("shape");
    const std::string expected =
        "(" + std::to_string(S * A) + ", " + std::to_string(S) + ") (S * A rows, S from r)";
    if (shape[0].cast<Index>() != S * A || shape[1].cast<Index>() != S) {
      throw py::value_error("P: expected shape " + expected + ", got (" +
                            std::to_string(shape[0].cast<Index>()) + ", " +
                            std::to_string(shape[1].cast<Index>()) + ")");
    }
    // A canonical CSR copy, made once the index arrays are known to be consistent: SciPy's
    // conversions trust them, and corrupt memory on bad ones (python/tabrl/_sparse.py).
    const py::object csr = py::module_::import("tabrl._sparse").attr("checked_csr")(transitions);
    values = float_array(csr.attr("data"), "P");
    row_starts = contiguous_array<std::int64_t>(csr.attr("indptr"), "int64");
    columns = contiguous_array<std::int64_t>(csr.attr("indices"), "int64");
    arrays.values = span_of(values);
    arrays.row_starts = span_of(row_starts);
    arrays.columns = span_of(columns);
  } else {
    dense = float_array(transitions, "P");
    if (dense.ndim() != 3 || dense.shape(0) != S || dense.shape(1) != A || dense.shape(2) != S) {
      shape_error("P", sa + ", " + std::to_string(S) + ") (S, A from r)", dense);
    }
    arrays.dense_transitions = span_of(dense);
  }
  const ReleasedGil release;
  return std::make_shared<Mdp>(mdp_from_arrays(arrays));
}

std::shared_ptr<Mdp> load(const py::object& spec) {
  const std::string text = path_text(spec);
  SignalWatch watch;  // Ctrl-C while a file is read or a Garnet generated: KeyboardInterrupt
  std::shared_ptr<Mdp> mdp;
  {
    const ReleasedGil release;
    const CancellationScope scope([&watch] { return watch.poll(); });
    try {
      mdp = std::make_shared<Mdp>(load_mdp(text));
    } catch (const Cancelled&) {
      // the handler's exception is raised below
    }
  }
  watch.rethrow();
  if (!mdp) throw std::logic_error("the load was cancelled without a Python exception");
  return mdp;
}

py::object names_or_none(const std::vector<std::string>& names) {
  if (names.empty()) return py::none();
  py::list out;
  for (const std::string& name : names) out.append(name_text(name));
  return out;
}

// The kernel's compressed rows, copied into new arrays: values, columns and row starts (SciPy's
// data, indices and indptr).
struct KernelArrays {
  py::array_t<double> values;
  py::array_t<int> columns;
  py::array_t<int> row_starts;
};

KernelArrays kernel_arrays(const Mdp& mdp) {
  const TransitionMatrix& matrix = mdp.transitions();  // compressed at construction
  const auto rows = static_cast<py::ssize_t>(matrix.rows());
  const auto entries = static_cast<py::ssize_t>(matrix.nonZeros());
  KernelArrays out{py::array_t<double>(entries), py::array_t<int>(entries),
                   py::array_t<int>(rows + 1)};
  std::copy_n(matrix.valuePtr(), entries, out.values.mutable_data());
  std::copy_n(matrix.innerIndexPtr(), entries, out.columns.mutable_data());
  std::copy_n(matrix.outerIndexPtr(), rows + 1, out.row_starts.mutable_data());
  return out;
}

py::object transitions_of(const Mdp& mdp) {
  const KernelArrays kernel = kernel_arrays(mdp);
  return py::module_::import("scipy.sparse")
      .attr("csr_matrix")(
          py::make_tuple(kernel.values, kernel.columns, kernel.row_starts),
          py::arg("shape") = py::make_tuple(mdp.transitions().rows(), mdp.transitions().cols()));
}

py::object solve(const Mdp& mdp) {
  OptimalSolution optimal;
  SignalWatch watch;  // Ctrl-C between policy-iteration sweeps: KeyboardInterrupt
  {
    const ReleasedGil release;
    try {
      optimal = solve_optimal(mdp, LinearSolverKind::automatic, [&watch] { return watch.poll(); });
    } catch (const OptimalSolveInterrupted&) {
      // the handler's exception is raised below
    }
  }
  watch.rethrow();
  StateActionMatrix pi = StateActionMatrix::Zero(mdp.num_states(), mdp.num_actions());
  py::array_t<std::int64_t> actions(mdp.num_states());
  for (Index s = 0; s < mdp.num_states(); ++s) {
    const Index a = optimal.policy[static_cast<std::size_t>(s)];
    pi(s, a) = 1.0;
    actions.mutable_data()[s] = a;
  }
  return python_type("Solution")(
      py::arg("v") = to_array(optimal.v), py::arg("q") = to_array(optimal.q),
      py::arg("pi") = to_array(pi), py::arg("objective") = optimal.objective,
      py::arg("actions") = actions, py::arg("bellman_residual") = optimal.bellman_residual,
      py::arg("bellman_check_passed") = optimal.bellman_check_passed,
      py::arg("solver") = std::string(to_string(optimal.solver)),
      py::arg("solver_note") = optimal.solver_note);
}

// The policy's rows must be distributions up to the tolerance the readers allow a row of P;
// they are evaluated as given.
void check_policy(const Mdp& mdp, const StateActionMatrix& policy) {
  const double tolerance = MdpValidationOptions{}.row_sum_tolerance;
  for (Index s = 0; s < mdp.num_states(); ++s) {
    for (Index a = 0; a < mdp.num_actions(); ++a) {
      const double p = policy(s, a);
      if (!std::isfinite(p) || p < 0.0) {
        throw InputError({.field = "policy[" + std::to_string(s) + ", " + std::to_string(a) + "]"},
                         "probability of action " + mdp.action_label(a) + " in state " +
                             mdp.state_label(s) + " must be finite and >= 0, got " +
                             format_number(p));
      }
    }
    const double sum = policy.row(s).sum();
    if (std::abs(sum - 1.0) > tolerance) {
      throw InputError({.field = "policy[" + std::to_string(s) + ", :]"},
                       "probabilities of state " + mdp.state_label(s) + " sum to " +
                           format_number(sum) + ", not 1");
    }
  }
}

py::object evaluate(const Mdp& mdp, const py::object& policy_object) {
  const FloatArray array = float_array(policy_object, "policy");
  if (array.ndim() != 2 || array.shape(0) != mdp.num_states() ||
      array.shape(1) != mdp.num_actions()) {
    shape_error("policy",
                "(" + std::to_string(mdp.num_states()) + ", " + std::to_string(mdp.num_actions()) +
                    ") (S, A)",
                array);
  }
  const StateActionMatrix policy =
      Eigen::Map<const StateActionMatrix>(array.data(), mdp.num_states(), mdp.num_actions());
  check_policy(mdp, policy);
  Evaluation evaluation;
  {
    const ReleasedGil release;
    PolicyEvaluator evaluator(mdp);
    evaluator.evaluate_policy(policy, evaluation);
  }
  return python_type("Evaluation")(py::arg("v") = to_array(evaluation.v),
                                   py::arg("q") = to_array(evaluation.q),
                                   py::arg("advantage") = to_array(evaluation.advantage),
                                   py::arg("visitation") = to_array(evaluation.visitation),
                                   py::arg("objective") = evaluation.objective);
}

// The pickled form of an Mdp: S, A, gamma, rho, r, the kernel's compressed rows (row starts,
// columns, values) and the names as bytes (a name read from a file need not be UTF-8).
py::tuple pickled_state(const Mdp& mdp) {
  const KernelArrays kernel = kernel_arrays(mdp);
  const auto bytes_of = [](const std::vector<std::string>& names) {
    py::list out;
    for (const std::string& name : names) out.append(py::bytes(name));
    return out;
  };
  return py::make_tuple(mdp.num_states(), mdp.num_actions(), mdp.gamma(), to_array(mdp.rho()),
                        to_array(mdp.rewards()), kernel.row_starts, kernel.columns, kernel.values,
                        bytes_of(mdp.state_names()), bytes_of(mdp.action_names()));
}

std::shared_ptr<Mdp> from_pickled_state(const py::tuple& state) {
  const auto refuse = [] { return py::value_error("Mdp: not a pickled tabrl.Mdp"); };
  if (state.size() != 10) throw refuse();
  MdpParts parts;
  IndexArray starts, columns;
  FloatArray values;
  try {
    parts.num_states = state[0].cast<Index>();
    parts.num_actions = state[1].cast<Index>();
    parts.gamma = state[2].cast<double>();
    const FloatArray rho = contiguous_array<double>(state[3], "float64");
    const FloatArray rewards = contiguous_array<double>(state[4], "float64");
    starts = contiguous_array<std::int64_t>(state[5], "int64");
    columns = contiguous_array<std::int64_t>(state[6], "int64");
    values = contiguous_array<double>(state[7], "float64");
    const Index S = parts.num_states, A = parts.num_actions;
    if (S < 1 || A < 1 || rho.size() != S || rewards.size() != S * A ||
        starts.size() != S * A + 1 || columns.size() != values.size()) {
      throw refuse();
    }
    parts.rho = Eigen::Map<const Vector>(rho.data(), S);
    parts.rewards = Eigen::Map<const StateActionMatrix>(rewards.data(), S, A);
    for (const py::handle name : state[8].cast<py::list>()) {
      parts.state_names.push_back(name.cast<std::string>());
    }
    for (const py::handle name : state[9].cast<py::list>()) {
      parts.action_names.push_back(name.cast<std::string>());
    }
  } catch (const py::cast_error&) {
    throw refuse();
  }
  // Rows in order, columns increasing within each: what the model's compressed kernel holds.
  const Index rows = parts.num_states * parts.num_actions;
  const std::int64_t* start = starts.data();
  const std::int64_t* column = columns.data();
  if (start[0] != 0 || start[rows] != values.size()) throw refuse();
  parts.transitions = TransitionMatrix(rows, parts.num_states);
  parts.transitions.reserve(values.size());
  for (Index row = 0; row < rows; ++row) {
    if (start[row + 1] < start[row] || start[row + 1] > values.size()) throw refuse();
    parts.transitions.startVec(row);
    for (auto k = start[row]; k < start[row + 1]; ++k) {
      if (column[k] < 0 || column[k] >= parts.num_states ||
          (k > start[row] && column[k] <= column[k - 1])) {
        throw refuse();
      }
      parts.transitions.insertBack(row, static_cast<Index>(column[k])) = values.data()[k];
    }
  }
  parts.transitions.finalize();
  const ReleasedGil release;
  return std::make_shared<Mdp>(std::move(parts));
}

// An Mdp exists only as made by its factories (which make the instance without calling the
// type): Mdp(), Mdp.__new__(Mdp), object.__new__(Mdp) or pybind11's base class's __new__ would
// give an instance without a model, whose every use reads unset memory. The type's own tp_new
// slot refuses; Python's check of the slots then refuses every base class's __new__ as well
// ("is not safe"), which a __new__ defined in the class dictionary did not.
PyObject* refuse_new_instance(PyTypeObject* /*type*/, PyObject* /*args*/, PyObject* /*kwargs*/) {
  PyErr_SetString(PyExc_TypeError,
                  "tabrl.Mdp cannot be created directly: use Mdp.from_arrays, "
                  "Mdp.from_gymnasium_P or Mdp.load");
  return nullptr;
}

void refuse_new(PyHeapTypeObject* heap_type) { heap_type->ht_type.tp_new = refuse_new_instance; }

}  // namespace

bool is_path_text(const py::handle& object) {
  return py::isinstance<py::str>(object) || py::isinstance<py::bytes>(object) ||
         py::hasattr(object, "__fspath__");
}

std::string path_text(const py::handle& path) {
  // The file system's own bytes (os.fsencode): a name that is not UTF-8 stays the same name.
  std::string text = py::module_::import("os").attr("fsencode")(path).cast<std::string>();
  check_no_nul(text, "spec or path");
  return text;
}

FloatArray float_array(const py::handle& object, const char* name) {
  py::array array;
  try {
    array = py::module_::import("numpy").attr("asarray")(object);
  } catch (py::error_already_set& error) {  // e.g. a ragged list of lists
    if (!error.matches(PyExc_ValueError) && !error.matches(PyExc_TypeError)) throw;
    throw py::value_error(std::string(name) +
                          ": not an array: " + py::str(error.value()).cast<std::string>());
  }
  const py::dtype dtype = array.dtype();
  const char kind = dtype.kind();
  const bool numeric = kind == 'i' || kind == 'u' || (kind == 'f' && dtype.itemsize() <= 8);
  if (!numeric) {
    throw py::type_error(std::string(name) +
                         ": expected a float64 array (integer and float32 arrays are converted), "
                         "got dtype " +
                         dtype.attr("name").cast<std::string>());
  }
  return contiguous_array<double>(array, "float64");
}

void bind_mdp(py::module_& module) {
  py::class_<Mdp, std::shared_ptr<Mdp>>(module, "Mdp", py::custom_type_setup(refuse_new),
                                        R"doc(A validated tabular MDP.

Made by Mdp.from_arrays (NumPy or SciPy arrays) or Mdp.load (a built-in spec or a file); read-only
afterwards. See docs/python.md.)doc")
      .def_static("from_arrays", &from_arrays, py::arg("P"), py::arg("r"), py::arg("gamma"),
                  py::arg("rho"), py::arg("states") = py::none(), py::arg("actions") = py::none(),
                  R"doc(An MDP from arrays, checked as the file readers check a model.

P: transition probabilities P[s, a, s'], a dense array of shape (S, A, S), or a scipy.sparse
   matrix of shape (S*A, S) whose row s*A + a holds P[s, a, :].
r: rewards r[s, a] of shape (S, A), or r[s, a, s'] of shape (S, A, S) (reduced to
   r[s, a] = sum_s' P[s, a, s'] r[s, a, s'] as the file formats do).
gamma: the discount, in [0, 1).
rho: the start distribution, shape (S,).
states, actions: optional names.
Arrays are float64; integer and float32 arrays are converted. Bad input raises ValueError with
the file readers' message, naming the array and index (e.g. "P[0, 1, :]: transition row
(state 0, action 1) sums to 0.9, not 1"); a wrong dtype raises TypeError.)doc")
      .def_static("load", &load, py::arg("spec"),
                  R"doc(A built-in MDP spec such as "five_by_five" or "garnet(states=50,seed=1)",
or a file (.toml, .mdp, .csv), as `tabrl run --mdp` takes it.)doc")
      .def_property_readonly("states", &Mdp::num_states, "the number of states S")
      .def_property_readonly("actions", &Mdp::num_actions, "the number of actions A")
      .def_property_readonly("gamma", &Mdp::gamma, "the discount")
      .def_property_readonly(
          "rho", [](const Mdp& mdp) { return to_array(mdp.rho()); },
          "the start distribution (a copy), shape (S,)")
      .def_property_readonly(
          "state_names", [](const Mdp& mdp) { return names_or_none(mdp.state_names()); },
          "the state names, or None")
      .def_property_readonly(
          "action_names", [](const Mdp& mdp) { return names_or_none(mdp.action_names()); },
          "the action names, or None")
      .def_property_readonly("value_scale", &Mdp::value_scale,
                             "R / (1 - gamma), the scale every value tolerance is relative to")
      .def("transitions", &transitions_of,
           "P as a scipy.sparse.csr_matrix of shape (S*A, S), row s*A + a (a copy)")
      .def(
          "rewards", [](const Mdp& mdp) { return to_array(mdp.rewards()); },
          "r[s, a] (a copy), shape (S, A)")
      .def("solve", &solve,
           "The optimal solution: unpacks as v, q, pi = mdp.solve() (V*, Q*, and pi* as an (S, A) "
           "array of 0s and 1s); also .objective (J*), .actions, .bellman_residual.")
      .def("evaluate", &evaluate, py::arg("policy"),
           "The exact evaluation of an (S, A) policy (rows are distributions): unpacks as "
           "v, q, advantage, visitation, objective = mdp.evaluate(pi) (V, Q, A, d, J).")
      // Pickling (copy.deepcopy, multiprocessing with the spawn start method): the model's own
      // pieces, rebuilt by the model's constructor, so any MDP that loaded pickles. One
      // __reduce_ex__ for every protocol: pybind11's pickle support leaves protocols 0 and 1 to
      // copyreg, which makes an empty instance in a way that aborts the interpreter.
      .def_static("_from_pickled", &from_pickled_state)
      .def("__reduce_ex__",
           [](const py::object& self, const py::object& /*protocol*/) {
             return py::make_tuple(python_type("_mdp_from_pickled"),
                                   py::make_tuple(pickled_state(self.cast<const Mdp&>())));
           })
      .def("__repr__", [](const Mdp& mdp) {
        return "tabrl.Mdp(states=" + std::to_string(mdp.num_states()) +
               ", actions=" + std::to_string(mdp.num_actions()) +
               ", gamma=" + format_number(mdp.gamma()) + ")";
      });
}

}  // namespace tabrl::python
