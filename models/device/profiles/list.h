/*
 * models/device/profiles/list.h - the profile registry: one line per
 * vendor profile, DEVICE_PROFILE (ID, name), in DeviceProfileId order.
 *
 * Adding a profile (doc/architecture.md, "Adding a profile"): write
 * profiles/NAME.c defining `const DeviceProfile device_profile_NAME`
 * (profile.h) and add its line here.  That is all: the enum value
 * DEVICE_PROFILE_ID (config.h), the registry (registry.c), the scenario's
 * `profile = NAME` and the build (models/device/meson.build reads this
 * file) follow from the line.  New lines go at the end, so stored
 * DeviceProfileId values keep their meaning.
 *
 * No include guard: it is an X-macro list, included with DEVICE_PROFILE
 * defined.
 */
DEVICE_PROFILE (OBIHAI, obihai)
DEVICE_PROFILE (AASTRA, aastra)
DEVICE_PROFILE (RFC, rfc)
DEVICE_PROFILE (BARESIP, baresip)
