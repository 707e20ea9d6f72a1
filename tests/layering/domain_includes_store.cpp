// Must not compile: domain/ links base only, so store/'s headers are not on its include path.
// Built by the ctest layering.domain_cannot_include_store, which expects this failure.
#include "credwatch/store/store.hpp"
