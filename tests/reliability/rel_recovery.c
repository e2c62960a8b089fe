// SPDX-License-Identifier: MIT
#include "rel_common.h"
int main(void) { return rel_finish("recovery", 0, 1); }
