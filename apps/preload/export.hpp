// The libc entry points the shim replaces are the only symbols it exports (the build uses
// -fvisibility=hidden and exports.map); each wrapper is defined with this attribute.
#pragma once

#define MULTIOS_PRELOAD_EXPORT extern "C" __attribute__((visibility("default")))
