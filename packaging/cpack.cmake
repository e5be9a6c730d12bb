# `cpack -G DEB` in a build directory (scripts/package.sh does it all) makes
# vnet_<version>_<arch>.deb from the install rules in install.cmake.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME vnet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "virtual network of private machines through a public relay")
set(CPACK_PACKAGE_CONTACT "vnet maintainers <vnet@localhost>" CACHE STRING "The .deb's Maintainer field")
# A Debian package lives in /usr (configs in /etc), whatever prefix this build
# installs to: the units and configs are written at install time for the
# prefix in effect, and DESTDIR staging lets that script see /usr.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"vnet-route runs on a host every machine can reach and relays between the
vnets; vnet runs on each private machine, offers its local TCP services to
its group and maps the group's services to local ports. Both run as systemd
services (vnet.service, vnet-route.service) under the user vnet.")
# Libraries found by dpkg-shlibdeps; adduser for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/deb/conffiles
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/deb/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/deb/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
