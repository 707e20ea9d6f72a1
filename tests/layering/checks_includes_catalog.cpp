// Must not compile: the checks run definitions the catalog made; they never read the catalog.
#include "credwatch/catalog/catalog.hpp"
