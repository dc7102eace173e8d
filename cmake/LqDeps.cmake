# Every system library comes in through pkg-config. A missing one stops the configure step
# and names the Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: install it with `apt-get install pkg-config`")
endif()

function(lq_require_pkg target module apt_pkg)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET GLOBAL ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR
      "liqd needs ${module} (pkg-config module '${module}' not found).\n"
      "Install it with: apt-get install ${apt_pkg}\n"
      "or run `bash tools/bootstrap run`, which installs everything liqd needs.")
  endif()
  message(STATUS "liqd: ${module} ${${target}_VERSION}")
endfunction()

lq_require_pkg(LQ_URING liburing liburing-dev)
lq_require_pkg(LQ_DPDK libdpdk libdpdk-dev)
# DPDK's pkg-config flags carry -march=corei7 (the baseline Debian built DPDK for): passed on,
# it would override the release preset's -march=native in everything that links DPDK. Take
# its include directories (as system headers), its libraries and the one flag its headers
# need, as the target lq_dpdk.
get_target_property(lq_dpdk_includes PkgConfig::LQ_DPDK INTERFACE_INCLUDE_DIRECTORIES)
get_target_property(lq_dpdk_libs PkgConfig::LQ_DPDK INTERFACE_LINK_LIBRARIES)
add_library(lq_dpdk INTERFACE)
target_include_directories(lq_dpdk SYSTEM INTERFACE ${lq_dpdk_includes})
# its headers need SSE4.2 (corei7's level): enable that alone, which -march=native keeps
target_compile_options(lq_dpdk INTERFACE -include rte_config.h -msse4.2 -mpopcnt)
target_link_libraries(lq_dpdk INTERFACE ${lq_dpdk_libs})
lq_require_pkg(LQ_JEMALLOC jemalloc libjemalloc-dev)
lq_require_pkg(LQ_CMOCKA cmocka libcmocka-dev)
lq_require_pkg(LQ_BENCHMARK benchmark libbenchmark-dev)
lq_require_pkg(LQ_PCAP libpcap libpcap-dev)
lq_require_pkg(LQ_CK ck libck-dev)
find_package(Threads REQUIRED)
# NATS JetStream (liqd send --to nats://, liqd run --via nats; libnats-dev): optional. Without
# it the commands say so and tests/nats exits 77. pkg-config first, then the library itself.
pkg_check_modules(LQ_NATS QUIET IMPORTED_TARGET GLOBAL libnats)
if(LQ_NATS_FOUND)
  set(LQ_HAVE_NATS ON)
  set(lq_nats_link PkgConfig::LQ_NATS)
  message(STATUS "liqd: libnats ${LQ_NATS_VERSION}")
else()
  find_library(LQ_NATS_LIBRARY nats)
  find_path(LQ_NATS_INCLUDE nats/nats.h)
  if(LQ_NATS_LIBRARY AND LQ_NATS_INCLUDE)
    set(LQ_HAVE_NATS ON)
    set(lq_nats_link ${LQ_NATS_LIBRARY})
    message(STATUS "liqd: libnats ${LQ_NATS_LIBRARY}")
  else()
    set(LQ_HAVE_NATS OFF)
    message(STATUS "liqd: libnats not found: built without NATS (apt-get install libnats-dev)")
  endif()
endif()
