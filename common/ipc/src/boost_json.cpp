#include <boost/json/src.hpp>  // Boost.JSON compiled into the core, header-only elsewhere
