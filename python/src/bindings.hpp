// The pieces of the extension module `tabrl._tabrl` (docs/python.md), one file each: the MDP
// class, single runs, sweeps and plots. Arrays cross as buffers: NumPy arrays are read in
// place (converted once when they are not C-ordered float64) and results are copied into new
// NumPy arrays, never element by element through Python objects.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <optional>

#include <tabrl/algorithms/optimizer.hpp>
#include <tabrl/core/types.hpp>

namespace tabrl::python {

namespace py = pybind11;

void bind_mdp(py::module_& module);
void bind_run(py::module_& module);
void bind_sweep(py::module_& module);

// Text of the engine (messages, notes) as a Python str: bytes that are not UTF-8 (a name read
// from a file) appear as \xNN escapes instead of failing the conversion.
py::str readable_text(const std::string& text);
// A name (state, action) as a Python str: bytes that are not UTF-8 decode as os.fsdecode does
// (surrogate escapes), so that the name encodes back to the same bytes.
py::str name_text(const std::string& name);
// Refuses (ValueError) text holding a NUL byte, which C++ would read as its end.
void check_no_nul(const std::string& text, const char* field);

// Whether `object` is a spec or path (str, bytes or os.PathLike) rather than an array.
bool is_path_text(const py::handle& object);
// A spec or path given as str, bytes or os.PathLike, as the file system's bytes (os.fsencode).
std::string path_text(const py::handle& path);

using FloatArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

// `object` as a C-ordered float64 array, read in place when it already is one. Integer and
// floating arrays of up to 64 bits are converted (once, by NumPy; a copy that does not fit is
// NumPy's MemoryError); anything else is a TypeError naming the array (`name`): a complex,
// boolean, object or longdouble array would lose or invent values.
FloatArray float_array(const py::handle& object, const char* name);

// A new (rows x cols) float64 array holding `matrix` (row-major, as NumPy's C order).
// An array's shape as Python writes it: "(3, 4)", "(5,)".
std::string shape_text(const py::array& array);

py::array_t<double> to_array(const StateActionMatrix& matrix);
py::array_t<double> to_array(const Vector& vector);

// A type of the pure-Python part (tabrl/_types.py), where the result classes live.
py::object python_type(const char* name);

// Where a thread running tabrl without the GIL finds the interpreter shutting down (a daemon
// thread still in a run when the program exits), it waits for the process's end instead of
// taking the GIL: Python 3.11 would end the thread by unwinding its C++ frames, which aborts the
// process (std::terminate) instead of letting it exit with its status.
// The main thread, which runs the finalization, never waits (it may call tabrl from a __del__
// during shutdown).
void wait_if_finalizing() noexcept;
// Called once at import.
void record_main_thread();

// Releases the GIL for the engine's work (as py::gil_scoped_release), and takes it back through
// wait_if_finalizing. A thread that began to wait for the GIL before the finalization started
// is still ended by Python 3.11's forced unwind: the destructor lets that unwind pass
// (noexcept(false)) instead of turning it into std::terminate.
class ReleasedGil {
 public:
  ReleasedGil() : state_(PyEval_SaveThread()) {}
  ~ReleasedGil() noexcept(false) {
    wait_if_finalizing();
    PyEval_RestoreThread(state_);
  }
  ReleasedGil(const ReleasedGil&) = delete;
  ReleasedGil& operator=(const ReleasedGil&) = delete;

 private:
  PyThreadState* state_;
};

// Runs Python's signal handlers from C++ code that runs without the GIL: check() takes the GIL
// and calls PyErr_CheckSignals. When a handler raises (Ctrl-C's KeyboardInterrupt), the
// exception is kept, the cancel flag (OptimizerOptions::cancel) is raised so that the engine
// ends cleanly, and rethrow() raises the exception once the GIL is back. The library installs
// no signal handler: Python's own handlers run, in the thread Python allows (the main thread).
class SignalWatch {
 public:
  // Takes the GIL; true when a handler raised.
  bool check();
  // check() at most once per kSignalInterval seconds (the first call checks); true once a
  // handler has raised. Called without the GIL, from the engine's loop and the optimal solve.
  bool poll();
  // How often poll() gives Python's signal handlers a chance: Ctrl-C answers within this time,
  // and taking the GIL this rarely costs nothing measurable.
  static constexpr double kSignalInterval = 0.05;
  const std::atomic<bool>& cancel_flag() const { return cancel_; }
  // Call with the GIL held: raises the kept exception, if any.
  void rethrow();

 private:
  std::atomic<bool> cancel_{false};
  std::optional<py::error_already_set> error_;
  std::optional<std::chrono::steady_clock::time_point> next_check_;
};

}  // namespace tabrl::python
