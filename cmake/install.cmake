# `cmake --install build --prefix PREFIX` (docs/python.md, "Installing"): the tabrl command line
# in bin/ with its plotting script and reproduction configs in share/tabrl/, the engine's
# libraries and headers, a CMake package giving tabrl::core, tabrl::mdps
# and tabrl::algorithms to find_package(tabrl CONFIG), and (python/CMakeLists.txt) the Python
# module under lib/python3/dist-packages/tabrl.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TABRL_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tabrl)

set_target_properties(tabrl_core PROPERTIES EXPORT_NAME core)
set_target_properties(tabrl_mdps PROPERTIES EXPORT_NAME mdps)
set_target_properties(tabrl_algorithms PROPERTIES EXPORT_NAME algorithms)
# The static libraries list their private link dependencies, tabrl_warnings among them (it adds
# nothing at link time), so it is exported too.
set_target_properties(tabrl_warnings PROPERTIES EXPORT_NAME warnings)

# Headers keep the layout of the build's include roots (include/tabrl/core/mdp.hpp), so that a
# consumer, like the headers themselves, includes <tabrl/core/mdp.hpp>.
install(TARGETS tabrl_core tabrl_mdps tabrl_algorithms tabrl_warnings
        EXPORT tabrlTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(folder core mdps algorithms)
  file(GLOB headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${folder}/*.hpp)
  install(FILES ${headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tabrl/${folder}
          COMPONENT development)
endforeach()
install(EXPORT tabrlTargets NAMESPACE tabrl:: DESTINATION ${TABRL_CMAKE_INSTALL_DIR}
        COMPONENT development)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/tabrlConfig.cmake.in
                              ${CMAKE_CURRENT_BINARY_DIR}/tabrlConfig.cmake
                              INSTALL_DESTINATION ${TABRL_CMAKE_INSTALL_DIR})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/tabrlConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tabrlConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/tabrlConfigVersion.cmake
        DESTINATION ${TABRL_CMAKE_INSTALL_DIR} COMPONENT development)

if(TABRL_BUILD_CLI)
  install(TARGETS tabrl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
  # The plotting script and the reproduction configs, in the layout of experiments/, which an
  # installed tabrl finds in PREFIX/share/tabrl relative to its own file (scripts_directory()).
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/experiments/report/plot_sweep.py
          DESTINATION ${CMAKE_INSTALL_DATADIR}/tabrl/report COMPONENT runtime)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/experiments/configs
          DESTINATION ${CMAKE_INSTALL_DATADIR}/tabrl COMPONENT runtime)
endif()
