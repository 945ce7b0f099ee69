#ifndef RATIFY_CSODIUM_SHIM_H
#define RATIFY_CSODIUM_SHIM_H
#include <sodium.h>
#endif
