// SPDX-License-Identifier: MIT
#include "rel_common.h"
int main(void) { return rel_finish("isolation", 0, 1); }
