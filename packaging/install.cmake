# What `cmake --install` places (and so what the .deb holds), GNUInstallDirs
# layout: both daemons, their man pages, the example configs, the systemd
# units and a sysusers.d entry for the user they run as.
include(GNUInstallDirs)

# The build target stays `route` (tests and scripts run build/src/route);
# installed it is vnet-route, because net-tools' /usr/sbin/route comes first
# in root's PATH and its route(8) page would shadow ours.
install(TARGETS vnet RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(PROGRAMS $<TARGET_FILE:route> DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME vnet-route)
# install(PROGRAMS) is not stripped by --strip or CPACK_STRIP_FILES.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP)
    execute_process(COMMAND \"${CMAKE_STRIP}\"
      \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/vnet-route\")
  endif()")

# Man pages from --help (help2man, a Debian package) plus the sections in
# packaging/man/*.h2m; generated at build time, no network.
find_program(HELP2MAN help2man)
find_program(GZIP gzip)
if(HELP2MAN AND GZIP)
  set(man_dir ${CMAKE_CURRENT_BINARY_DIR}/man)
  # help2man names the page after the program it runs: run the route under
  # its installed name.
  add_custom_command(OUTPUT ${man_dir}/vnet-route.8.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}/bin
    COMMAND ${CMAKE_COMMAND} -E create_symlink $<TARGET_FILE:route> ${man_dir}/bin/vnet-route
    COMMAND ${HELP2MAN} --no-info --section 8 --name "relay between vnets"
            --include ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/vnet-route.h2m
            --output ${man_dir}/vnet-route.8 ${man_dir}/bin/vnet-route
    COMMAND ${GZIP} -9nf ${man_dir}/vnet-route.8
    DEPENDS route ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/vnet-route.h2m
    VERBATIM)
  add_custom_command(OUTPUT ${man_dir}/vnet.1.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
    COMMAND ${HELP2MAN} --no-info --section 1
            --name "join this machine to a virtual network through a route"
            --include ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/vnet.h2m
            --output ${man_dir}/vnet.1 $<TARGET_FILE:vnet>
    COMMAND ${GZIP} -9nf ${man_dir}/vnet.1
    DEPENDS vnet ${CMAKE_CURRENT_SOURCE_DIR}/packaging/man/vnet.h2m
    VERBATIM)
  add_custom_target(man_pages ALL DEPENDS ${man_dir}/vnet.1.gz ${man_dir}/vnet-route.8.gz)
  install(FILES ${man_dir}/vnet.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES ${man_dir}/vnet-route.8.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
else()
  message(WARNING "help2man not found (apt-get install help2man): no man pages will be installed")
endif()

install(FILES config.ini.example DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# The README links into docs/: installed beside it, the links still work.
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(FILES packaging/sysusers.d/vnet.conf DESTINATION lib/sysusers.d)

# The units and /etc/vnet are written at install time, so that their paths
# follow the prefix in effect then (`cmake --install --prefix P`, CPack).
set(VNET_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where the systemd units go (relative: under the install prefix)")
install(CODE "
  set(VNET_SOURCE_DIR \"${CMAKE_CURRENT_SOURCE_DIR}\")
  set(VNET_WORK_DIR \"${CMAKE_CURRENT_BINARY_DIR}/packaging\")
  set(VNET_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(VNET_SYSCONFDIR \"${CMAKE_INSTALL_SYSCONFDIR}\")
  set(VNET_SYSTEMD_UNIT_DIR \"${VNET_SYSTEMD_UNIT_DIR}\")
  include(\"${CMAKE_CURRENT_SOURCE_DIR}/packaging/install_system_files.cmake\")")
