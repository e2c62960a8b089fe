// SPDX-License-Identifier: MIT
#include "rel_common.h"
int main(void) { return rel_finish("unplug", 0, 1); }
