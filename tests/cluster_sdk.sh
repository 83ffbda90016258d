#!/bin/bash
# tests/cluster_sdk.sh: the SDK suite once more, every daemon being two
# nodes on one PostgreSQL database and one data dir, behind HAProxy
# round-robin per request (tests/sdk/lib/coffer.js, COFFER_TEST_CLUSTER;
# tests/cluster/haproxy.bash): a test's consecutive requests land on
# different nodes. tests/pg_sdk.sh runs it; the same arguments and skips.
#   COFFERD=build/cofferd COFFER=build/coffer tests/cluster_sdk.sh live.test.js
COFFER_TEST_CLUSTER=1 exec bash "$(dirname "${BASH_SOURCE[0]}")/pg_sdk.sh" "$@"
