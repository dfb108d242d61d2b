# `cpack -G DEB` in the build directory (docs/python.md, "The Debian package"): one package,
# tabrl_VERSION_ARCH.deb, holding everything `cmake --install` installs, under the prefix /usr: the
# tabrl command line in /usr/bin with its plotting script and configs in /usr/share/tabrl, the
# libraries, headers and CMake package, and the Python module in
# /usr/lib/python3/dist-packages/tabrl, where Debian's python3 finds it. `apt install
# ./tabrl_*.deb` installs the dependencies it declares.
set(CPACK_PACKAGE_NAME tabrl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "exact-gradient policy optimisation on bandits and tabular MDPs")
set(CPACK_PACKAGE_DESCRIPTION
    "tabrl runs SPMA, NPG, softmax policy gradient and a zoo of baselines with exact gradients on "
    "multi-armed bandits and tabular MDPs, sweeps them from one config file, and checks each "
    "method's convergence bound at every iteration. The package holds the tabrl command line, "
    "the Python module tabrl, and the C++ libraries, headers and CMake package "
    "(find_package(tabrl CONFIG)).")
set(TABRL_PACKAGE_CONTACT "tabrl developers <tabrl@localhost>" CACHE STRING
    "The Maintainer field of the Debian package")
set(CPACK_PACKAGE_CONTACT ${TABRL_PACKAGE_CONTACT})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # executables and shared objects; the static libraries keep symbols

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tabrl_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The shared libraries the programs and the module link (libc, libstdc++, Boost.Program_options,
# ...), found by dpkg-shlibdeps (package dpkg-dev; scripts/setup.sh installs it).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# What dpkg-shlibdeps cannot see:
# - tabrl plot and the module's figures run matplotlib under /usr/bin/python3;
# - the module is built for this Python minor version and uses NumPy, SciPy and pandas;
# - the CMake package's find_dependency calls (cmake/tabrlConfig.cmake.in) and the headers need
#   Eigen, toml++ and nlohmann-json.
set(tabrl_depends python3-matplotlib python3-numpy)
if(TABRL_PYTHON)
  set(tabrl_python_minor ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR})
  math(EXPR tabrl_python_next "${Python3_VERSION_MINOR} + 1")
  list(PREPEND tabrl_depends "python3 (>= ${tabrl_python_minor})"
       "python3 (<< ${Python3_VERSION_MAJOR}.${tabrl_python_next})")
  list(APPEND tabrl_depends python3-scipy python3-pandas)
else()
  list(PREPEND tabrl_depends python3)
endif()
list(APPEND tabrl_depends libeigen3-dev libtomlplusplus-dev nlohmann-json3-dev)
list(JOIN tabrl_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
# The module's byte-code is made after installing and removed before removing, as Debian's own
# Python packages do (py3compile and py3clean come with python3-minimal).
if(TABRL_PYTHON)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/debian/postinst
                                         ${CMAKE_CURRENT_LIST_DIR}/debian/prerm)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
endif()

include(CPack)
