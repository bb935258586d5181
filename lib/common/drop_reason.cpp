#include "common/drop_reason.hpp"

namespace multios::net {

const char* to_string(DropReason r) {
    switch (r) {
#define MULTIOS_X(name, text)                                                                      \
    case DropReason::name:                                                                         \
        return text;
        MULTIOS_DROP_REASONS(MULTIOS_X)
#undef MULTIOS_X
    case DropReason::Count:
        break;
    }
    return "unknown";
}

} // namespace multios::net
