// The extension module `tabrl._tabrl`; the package `tabrl` (python/tabrl) wraps it.
#include <algorithm>
#include <chrono>
#include <thread>

#include <tabrl/core/error.hpp>
#include <tabrl/core/simd.hpp>

#include "bindings.hpp"

namespace tabrl::python {

py::array_t<double> to_array(const StateActionMatrix& matrix) {
  py::array_t<double> array({matrix.rows(), matrix.cols()});
  std::copy_n(matrix.data(), matrix.size(), array.mutable_data());
  return array;
}

py::array_t<double> to_array(const Vector& vector) {
  py::array_t<double> array(vector.size());
  std::copy_n(vector.data(), vector.size(), array.mutable_data());
  return array;
}

namespace {
// `text` decoded from UTF-8, bytes that are not UTF-8 handled by Python's error handler `errors`.
py::str decoded_utf8(const std::string& text, const char* errors) {
  PyObject* decoded =
      PyUnicode_DecodeUTF8(text.data(), static_cast<Py_ssize_t>(text.size()), errors);
  if (decoded == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(decoded);
}
}  // namespace

py::str readable_text(const std::string& text) { return decoded_utf8(text, "backslashreplace"); }

py::str name_text(const std::string& name) { return decoded_utf8(name, "surrogateescape"); }

void check_no_nul(const std::string& text, const char* field) {
  if (text.find('\0') != std::string::npos) {
    throw py::value_error(std::string(field) + ": embedded null byte");
  }
}

py::object python_type(const char* name) { return py::module_::import("tabrl._types").attr(name); }

namespace {
// The interpreter's main thread, which runs the finalization (recorded at import).
unsigned long main_thread_ident = 0;
}  // namespace

void record_main_thread() {
  main_thread_ident =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
}

void wait_if_finalizing() noexcept {
#if PY_VERSION_HEX >= 0x030D0000
  const bool finalizing = Py_IsFinalizing() != 0;
#else
  const bool finalizing = _Py_IsFinalizing() != 0;
#endif
  // The finalizing thread itself goes on (tabrl called from a __del__ during shutdown).
  if (!finalizing || PyThread_get_thread_ident() == main_thread_ident) return;
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));  // until the process exits
}

bool SignalWatch::check() {
  wait_if_finalizing();
  const py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() == 0) return false;
  error_.emplace();  // fetches the pending exception
  cancel_.store(true);
  return true;
}

bool SignalWatch::poll() {
  if (cancel_.load()) return true;
  const auto now = std::chrono::steady_clock::now();
  if (next_check_ && now < *next_check_) return false;
  next_check_ = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(kSignalInterval));
  return check();
}

void SignalWatch::rethrow() {
  if (error_) {
    py::error_already_set error = std::move(*error_);
    error_.reset();
    throw error;
  }
}

}  // namespace tabrl::python

PYBIND11_MODULE(_tabrl, module) {
  namespace py = pybind11;
  module.doc() = "tabrl's engine; use the package `tabrl` (docs/python.md)";
  module.attr("__version__") = TABRL_VERSION;
  // Bad input (InputError: the message names the array and index, or the file, line and field)
  // is a ValueError with the CLI's text.
  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const tabrl::InputError& error) {
      // Not PyErr_SetString: a message quoting bytes that are not UTF-8 would come out empty.
      PyErr_SetObject(PyExc_ValueError, tabrl::python::readable_text(error.what()).ptr());
    }
  });
  // Where tabrl.plot finds the `tabrl` program of this build (an installed module looks beside
  // its prefix first: python/tabrl/_api.py).
  module.attr("_build_cli") = TABRL_BUILD_CLI_PATH;
  // A bad TABRL_SIMD (docs/cli.md) is refused at import, not at the first evaluation.
  try {
    module.attr("simd_level") = tabrl::to_string(tabrl::simd_level());
  } catch (const tabrl::InputError& error) {
    throw py::import_error(std::string("tabrl: ") + error.what());
  }
  tabrl::python::record_main_thread();
  tabrl::python::bind_mdp(module);
  tabrl::python::bind_run(module);
  tabrl::python::bind_sweep(module);
}
