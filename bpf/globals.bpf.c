// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Anchors the shared maps and tunables (maps.bpf.h) and the license. */
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
