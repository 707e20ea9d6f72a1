// Must not compile: base/ is the bottom layer; domain/'s headers are not on its include path.
#include "credwatch/domain/model.hpp"
