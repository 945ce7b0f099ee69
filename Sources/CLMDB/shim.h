#ifndef RATIFY_CLMDB_SHIM_H
#define RATIFY_CLMDB_SHIM_H
#include <lmdb.h>
#endif
