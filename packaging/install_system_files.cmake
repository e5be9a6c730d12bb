# Runs at install time (from install.cmake): writes the systemd units and the
# configs under /etc/vnet for the prefix in effect now. CMAKE_INSTALL_PREFIX
# here is --prefix (or CPack's), not the one chosen at configure time.

set(prefix "${CMAKE_INSTALL_PREFIX}")
# GNUInstallDirs' rule for the full sysconfdir, applied to this prefix: /usr
# keeps its configs in /etc, /opt/X in /etc/opt/X, any other prefix under
# itself.
if(IS_ABSOLUTE "${VNET_SYSCONFDIR}")
  set(sysconfdir "${VNET_SYSCONFDIR}")
elseif(prefix STREQUAL "/" OR prefix STREQUAL "/usr")
  set(sysconfdir "/${VNET_SYSCONFDIR}")
elseif(prefix MATCHES "^/opt/(.*)")
  set(sysconfdir "/${VNET_SYSCONFDIR}/opt/${CMAKE_MATCH_1}")
else()
  set(sysconfdir "${prefix}/${VNET_SYSCONFDIR}")
endif()
if(IS_ABSOLUTE "${VNET_BINDIR}")
  set(VNET_BINDIR_FULL "${VNET_BINDIR}")
else()
  set(VNET_BINDIR_FULL "${prefix}/${VNET_BINDIR}")
endif()
if(IS_ABSOLUTE "${VNET_SYSTEMD_UNIT_DIR}")
  set(unit_dir "${VNET_SYSTEMD_UNIT_DIR}")
else()
  set(unit_dir "${prefix}/${VNET_SYSTEMD_UNIT_DIR}")
endif()

# The names configure_file substitutes in packaging/systemd/*.in.
set(VNET_BINDIR "${VNET_BINDIR_FULL}")
set(VNET_CONFDIR "${sysconfdir}/vnet")
# systemd creates the configuration directory (root's) if missing, and only
# under /etc.
if(VNET_CONFDIR MATCHES "^/etc/(.+)$")
  set(VNET_CONFIGURATION_DIRECTORY "ConfigurationDirectory=${CMAKE_MATCH_1}")
else()
  set(VNET_CONFIGURATION_DIRECTORY "# The configuration is in ${VNET_CONFDIR}, outside /etc.")
endif()

foreach(unit vnet.service vnet-route.service)
  configure_file("${VNET_SOURCE_DIR}/packaging/systemd/${unit}.in"
                 "${VNET_WORK_DIR}/${unit}" @ONLY)
  file(INSTALL "${VNET_WORK_DIR}/${unit}" DESTINATION "${unit_dir}")
endforeach()

# A config edited by its owner is never overwritten by a later install (the
# .deb's conffiles do the same through dpkg).
foreach(ini vnet.ini route.ini)
  if(EXISTS "$ENV{DESTDIR}${VNET_CONFDIR}/${ini}")
    message(STATUS "Keeping: $ENV{DESTDIR}${VNET_CONFDIR}/${ini} (exists)")
  else()
    file(INSTALL "${VNET_SOURCE_DIR}/packaging/etc/${ini}" DESTINATION "${VNET_CONFDIR}")
  endif()
endforeach()
