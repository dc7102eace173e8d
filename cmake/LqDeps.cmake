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
lq_require_pkg(LQ_JEMALLOC jemalloc libjemalloc-dev)
lq_require_pkg(LQ_CMOCKA cmocka libcmocka-dev)
lq_require_pkg(LQ_BENCHMARK benchmark libbenchmark-dev)
lq_require_pkg(LQ_PCAP libpcap libpcap-dev)
lq_require_pkg(LQ_CK ck libck-dev)
find_package(Threads REQUIRED)
