#!/usr/bin/env bash
# deploy_files: the systemd units of deploy/systemd pass `systemd-analyze verify` (with the
# binary under test in place of /usr/local/bin/spoke) and their ExecStart command lines are
# ones spoke accepts; the man page deploy/spoke.1 renders without a groff warning (the golden
# case cli/man keeps it equal to `spoke help --man`); deploy/compose: compose.yaml is YAML
# whose mounted files exist, its spoke.conf passes spoke check, and the Dockerfile's Debian
# packages exist (no container engine here to run them); the README's key reference is current.
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

units=$LIB_DIR/../../deploy/systemd
mkdir -p "$T_DIR/units"
for f in "$units"/*.service; do
	name=$(basename "$f")
	name=${name/@.service/@erp.service} # an instance of each template
	sed "s|/usr/local/bin/spoke|$SPOKE|g" "$f" >"$T_DIR/units/$name"
done
out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "$T_DIR"/units/*.service 2>&1) ||
	fail "systemd-analyze verify: $out"
[[ -z $out ]] || fail "systemd-analyze verify: $out"
made=("$T_DIR"/units/*.service)
assert_eq "${made[*]##*/}" \
	"spoke-apply@erp.service spoke-capture@erp.service spoke-metrics.service spoke.service" "units"

# Each command line, with %i as a name, is one spoke knows (its --help answers 0).
cat >"$T_DIR/spoke.conf" <<EOF2
[spoke]
state_dir = $T_DIR/state
[source erp]
type = postgres
conninfo = host=127.0.0.1
tables = public.t
[target t]
type = postgres
conninfo = host=127.0.0.1
[applier erp]
rules = r.json
EOF2
echo '{"rules": [{"name": "r", "topic": "erp.public.t", "target": "t", "table": "t", "key": ["id"], "columns": {"id": "after.id"}}]}' >"$T_DIR/r.json"
grep -h '^ExecStart' "$units"/*.service | sort -u | while IFS= read -r line; do
	cmd=${line#*=/usr/local/bin/spoke }
	cmd=${cmd//\/etc\/spoke\/spoke.conf/$T_DIR/spoke.conf}
	cmd=${cmd//%i/erp}
	# shellcheck disable=SC2086  # the unit's words
	"$SPOKE" $cmd --help >/dev/null || fail "spoke $cmd --help"
done
# shellcheck disable=SC2086
"$SPOKE" check --offline -c "$T_DIR/spoke.conf" >/dev/null || fail "ExecStartPre's check"
out=$(groff -man -ww -z "$LIB_DIR/../../deploy/spoke.1" 2>&1) || fail "groff: $out"
[[ -z $out ]] || fail "groff warns: $out"

compose=$LIB_DIR/../../deploy/compose
/usr/bin/python3 - "$compose/compose.yaml" <<'PY' || fail "compose.yaml"
import os, sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
base = os.path.dirname(sys.argv[1])
assert set(doc["services"]) == {"erp", "shop", "kafka", "spoke"}, doc["services"].keys()
for name, svc in doc["services"].items():
    for v in svc.get("volumes", []):
        src = v.split(":")[0]
        if src.startswith("."):
            assert os.path.exists(os.path.join(base, src)), (name, src)
build = doc["services"]["spoke"]["build"]
assert os.path.exists(os.path.join(base, build["context"], build["dockerfile"]))
PY
mkdir -p "$T_DIR/compose"
cp "$compose/spoke.conf" "$T_DIR/compose/"
ln -s "$SPOKE_ROOT/rules" "$T_DIR/compose/rules"
ERP_PASSWORD=x SHOP_PASSWORD=y "$SPOKE" check --offline -c "$T_DIR/compose/spoke.conf" >/dev/null ||
	fail "deploy/compose/spoke.conf does not pass spoke check"
pkgs=$(/usr/bin/python3 -c '
import re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
for m in re.finditer(r"apt-get install -y --no-install-recommends (.*?) &&", text):
    print(" ".join(m.group(1).split()))' "$compose/Dockerfile")
[[ -n $pkgs ]] || fail "no packages found in the Dockerfile"
for pkg in $pkgs; do
	apt-cache show "$pkg" >/dev/null 2>&1 || fail "the Dockerfile installs $pkg, which Debian 12 does not have"
done

# The README's key reference is what `spoke config --keys --markdown` writes (make readme).
sed -n '/<!-- keys:begin -->/,/<!-- keys:end -->/p' "$SPOKE_ROOT/README.md" | sed '1d;$d' >"$T_DIR/readme-keys.md"
"$SPOKE" config --keys --markdown >"$T_DIR/keys.md"
diff -u "$T_DIR/keys.md" "$T_DIR/readme-keys.md" >&2 || fail "README's key reference is stale: run make readme"
