#!/usr/bin/env bash
# demo: `make demo ARGS=--once` (deploy/demo/demo.sh --once) plays the ERP <-> shop <-> CRM
# story and checks every outcome; it exits 0 and says each step.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rc=0
T_DIR=$T_DIR/run "$SPOKE_ROOT/deploy/demo/demo.sh" --once >"$T_DIR/demo.out" 2>&1 || rc=$?
info "$(cat "$T_DIR/demo.out")"
assert_eq "$rc" 0 "exit status of the demo"
out=$(cat "$T_DIR/demo.out")
assert_contains "$out" "the shop shows 65.88 EUR incl. VAT"
assert_contains "$out" "the CRM has a new contact for ann.lee@example.com"
assert_contains "$out" "the ERP has sales order WEB-1001, 155.64 EUR, 2 lines"
assert_contains "$out" "the shop shows order WEB-1001 as shipped"
assert_contains "$out" "every change arrived once, none went to a dead-letter topic"
