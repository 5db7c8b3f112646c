#!/usr/bin/env bash
# smoke_broker: `spoke broker` creates the topics it is given, and kcat (an independent client)
# produces 100000 messages into it and reads every one of them back; a keyed message with a
# header round-trips byte for byte.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start_broker smoke:4 other:1

assert_eq "$(_lib_kcat -L -J -t smoke | jq '.topics[0].partitions | length')" 4 "partitions of smoke"
assert_eq "$(_lib_kcat -L -J -t other | jq '.topics[0].partitions | length')" 1 "partitions of other"

seq 1 100000 | kafka_produce smoke -X sticky.partitioning.linger.ms=0
assert_eq "$(kafka_count smoke)" 100000 "messages read back"
# Every value exactly once, and spread over all four partitions.
kafka_consume smoke -f '%p %s\n' >"$T_DIR/smoke.txt"
assert_eq "$(cut -d ' ' -f 2 "$T_DIR/smoke.txt" | sort -n | cksum)" "$(seq 1 100000 | cksum)" "values read back"
assert_eq "$(cut -d ' ' -f 1 "$T_DIR/smoke.txt" | sort -u | tr '\n' ' ')" "0 1 2 3 " "partitions that got messages"

body='{"id":42,"name":"Zoë \"quoted\"","tags":["a","b"],"tab":"x	y"}'
printf '%s\n' "key-42|$body" | kafka_produce other -K '|' -H origin=smoke -H empty=
got=$(kafka_read_json other)
assert_eq "$(jq -r '.key' <<<"$got")" key-42 "key"
assert_eq "$(jq -r '.payload' <<<"$got")" "$body" "payload"
assert_eq "$(jq -c '.headers' <<<"$got")" '["origin","smoke","empty",""]' "headers"
assert_eq "$(jq -r '.partition' <<<"$got")" 0 "partition"
assert_eq "$(kafka_read_kv other)" "key-42	$body" "kafka_read_kv"
assert_eq "$(kafka_read other)" "$body" "kafka_read"
