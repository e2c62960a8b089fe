// SPDX-License-Identifier: MIT
/*
 * Device support of nodes: which ops, attribute values and element types
 * have a lowering to the AI core at a given precision.
 */
#include "ops_int.h"

int cc_dev_supported(struct cc_graph *g, struct cc_node *n, int precision)
{
	(void)precision;
	return NERR(g, n, ENOTSUP, "no device lowering for this operator yet");
}
