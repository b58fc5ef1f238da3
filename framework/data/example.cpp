// Readers live beside this file; see mtlab/data/*.h.
#include "mtlab/data/example.h"
