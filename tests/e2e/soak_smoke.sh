#!/bin/bash
# SPDX-License-Identifier: ISC
# soak_smoke.sh: the bounded soak (tests/torture/soak.sh, test T28) for 20
# seconds, samples every 2: mixed PUT/GET/KMS load with zero errors, flat
# descriptors, every acknowledged write read back. `make soak` runs it for
# five minutes.
SOAK_SAMPLE=${SOAK_SAMPLE:-2} exec bash "$(dirname "$0")/../torture/soak.sh" 20
