/*
 * models/nat/nat-private.h - what tests may reach inside the NAT model.
 */
#pragma once
#include "models/nat/nat.h"

/* nat.c note 8: give every binding key the same digest, so that all
 * bindings share one chain of the index and every lookup, insertion and
 * removal walks it.  For tests of the chains; only before the first
 * binding exists. */
void nat_set_one_digest_ (Nat *nat, gboolean on);
