#!/usr/bin/env bash
# The phoneval sandbox demo ("make demo", after the module and CLI are built).
#
# Starts the Byteplant and Contacts API simulators and an nginx gateway with
# build/ngx_http_phoneval_module.so (sandbox/demo_env.py; configuration from
# sandbox/nginx/), creates the result custom fields, imports the demo
# contacts through the gateway ("phoneval import --via-gateway"), prints
# what happened, finishes the PENDING verdicts with "phoneval sync", shows
# one stored contact and stops everything again. See docs/demo.md.
#
# Environment:
#   PHONEVAL_DEMO_KEEP=1          leave the sandbox running at the end
#   PHONEVAL_DEMO_DIR=DIR         run directory (default sandbox/run)
#   PHONEVAL_DEMO_BYTEPLANT_RATE  Byteplant simulator window = the gateway's
#                                 budget (default 280/300: fewer calls than
#                                 the demo has distinct phones, so some
#                                 verdicts stay PENDING until the sync)
#   PHONEVAL_DEMO_CONTACTS_RATE   Contacts simulator burst limit (default
#                                 2000/10; HighLevel's own is 100/10)
#   PHONEVAL_DEMO_CONCURRENCY     requests in flight while importing (8)
#   PHONEVAL_CLI                  the CLI (default build/phoneval)
#   NGINX_BIN                     nginx (default /usr/sbin/nginx)

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
TOP=$PWD
PY=/usr/bin/python3
SB=$TOP/sandbox
CLI=${PHONEVAL_CLI:-$TOP/build/phoneval}
NGINX=${NGINX_BIN:-/usr/sbin/nginx}
DATA=sandbox/data/contacts.csv
RUN=${PHONEVAL_DEMO_DIR:-$SB/run}
REL=${RUN#"$TOP"/}
KEEP=${PHONEVAL_DEMO_KEEP:-0}
BP_RATE=${PHONEVAL_DEMO_BYTEPLANT_RATE:-280/300}
CT_RATE=${PHONEVAL_DEMO_CONTACTS_RATE:-2000/10}
CONC=${PHONEVAL_DEMO_CONCURRENCY:-8}
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

t0=$(date +%s.%N)
elapsed() { LC_ALL=C awk -v a="$1" -v b="$(date +%s.%N)" \
    'BEGIN { printf "%.1f", b - a }'; }
if [ -t 1 ]; then
    step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
    step() { printf '\n%s\n' "$*"; }
fi
say() { printf '      %s\n' "$*"; }
indent() { sed 's/^/      /'; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }
report() { $PY "$SB/demo_report.py" "$RUN/env.json" "$@"; }

[ -x "$CLI" ] || fail "$CLI is not built: run make cli (make demo builds it)"

# a demo left running by PHONEVAL_DEMO_KEEP=1 is stopped first
[ -f "$RUN/env.json" ] && $PY "$SB/demo_env.py" down "$RUN"
rm -rf "$RUN"
mkdir -p "$RUN"

cleanup() {
    local rc=$?
    if [ "$KEEP" != 1 ] || [ $rc != 0 ]; then
        $PY "$SB/demo_env.py" down "$RUN" || true
    fi
    if [ $rc != 0 ]; then
        printf '\ndemo failed (exit %s); logs in %s\n' "$rc" "$RUN" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
nver=$("$NGINX" -v 2>&1 | sed 's|.*/||')
step "phoneval demo: nginx $nver + build/ngx_http_phoneval_module.so, simulated Byteplant and HighLevel"

$PY "$SB/demo_env.py" up "$RUN" --no-gateway --seed 1 --workers 2 \
    --byteplant-rate "$BP_RATE" --contacts-rate "$CT_RATE" --nginx "$NGINX" ||
    fail "the simulators did not start"
# shellcheck disable=SC1091
. "$RUN/env.sh"
say "byteplant  $PV_BYTEPLANT   Byteplant simulator, ${BP_RATE%/*} calls per ${BP_RATE#*/} s"
say "contacts   $PV_CONTACTS   Contacts API simulator, location $PV_LOCATION, ${CT_RATE%/*} requests per ${CT_RATE#*/} s"

# ---------------------------------------------------------------------------
step "1. phoneval fields --location $PV_LOCATION --create: the result fields, as nginx lines"
PHONEVAL_API_URL=$PV_CONTACTS PHONEVAL_GHL_TOKEN=$PV_TOKEN \
    "$CLI" fields --location "$PV_LOCATION" --create --no-progress \
    > "$RUN/fields.out" 2>&1 ||
    { indent < "$RUN/fields.out"; fail "phoneval fields failed"; }
indent < "$RUN/fields.out"
$PY "$SB/demo_env.py" gateway "$RUN" || fail "the gateway did not start"
# shellcheck disable=SC1091
. "$RUN/env.sh"
say "gateway    $PV_GATEWAY   nginx, 2 workers: these lines, phoneval_zone rate=$PV_ZONE_RATE,"
say "                                    phoneval_action annotate (reject on $PV_GATEWAY_REJECT)"

# ---------------------------------------------------------------------------
# The CLI imports the rows through the gateway: one POST /contacts/ each; the
# gateway validates every phone and writes the results. With --via-gateway
# the CLI calls no Byteplant itself (else each phone would cost two calls)
# and reads the verdicts the gateway wrote from the API's answers.
rows=$(($(wc -l < "$DATA") - 1))
step "2. phoneval import $DATA --location $PV_LOCATION --via-gateway: $rows rows, $CONC requests at a time"
say "through the gateway: PHONEVAL_API_URL=$PV_GATEWAY (no Byteplant key here)"
rc=0
PHONEVAL_API_URL=$PV_GATEWAY PHONEVAL_GHL_TOKEN=$PV_TOKEN \
    "$CLI" import "$DATA" --location "$PV_LOCATION" --via-gateway \
    --concurrency "$CONC" --no-progress --report "$RUN/import-failed.csv" \
    --json > "$RUN/import.json" 2> "$RUN/import.out" || rc=$?
indent < "$RUN/import.out"
[ $rc -le 1 ] || fail "phoneval import exited $rc"
# the rows not imported: the demo data's duplicates, refused as HighLevel does
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
dup, other = r["duplicates"], r["failed"] - r["duplicates"]
parts = ["%d duplicates (the location refuses duplicate contacts)" % dup] if dup else []
parts += ["%d other failures" % other] if other else []
if parts:
    print("not imported: %s; reasons in %s" % (", ".join(parts), sys.argv[2]))
' "$RUN/import.json" "$REL/import-failed.csv" | indent

# ---------------------------------------------------------------------------
step "3. the reject server (phoneval_action reject) refuses an INVALID phone"
say "POST $PV_GATEWAY_REJECT/contacts/  {\"phone\": \"+1 209 555 01ab\", ...}"
code=$(curl -s -o "$RUN/reject.json" -w '%{http_code}' -X POST \
    "$PV_GATEWAY_REJECT/contacts/" \
    -H "Authorization: Bearer $PV_TOKEN" -H 'Version: 2021-07-28' \
    -H 'Content-Type: application/json' \
    --data '{"locationId":"'"$PV_LOCATION"'","firstName":"Ann","lastName":"Example","phone":"+1 209 555 01ab"}')
[ "$code" = 422 ] || fail "the reject server answered $code, not 422"
report error "$code" "$RUN/reject.json"

# ---------------------------------------------------------------------------
step "4. summary (gateway: /phoneval_status?format=json; simulators: /_sim/stats, /_sim/contacts)"
report summary

# ---------------------------------------------------------------------------
step "5. phoneval sync --location $PV_LOCATION: the PENDING ones, in the next Byteplant window"
# the simulator's window starts over, as it would 300 s later
curl -s -o /dev/null -X POST "$PV_BYTEPLANT/_sim/config" \
    -H 'Content-Type: application/json' --data '{"rate": "'"$BP_RATE"'"}'
report ids PENDING > "$RUN/pending.ids"
say "straight to both APIs: PHONEVAL_API_URL=$PV_CONTACTS"
say "                       PHONEVAL_BYTEPLANT_URL=$PV_BYTEPLANT_VERIFY"
t2=$(date +%s.%N)
rc=0
PHONEVAL_API_URL=$PV_CONTACTS PHONEVAL_GHL_TOKEN=$PV_TOKEN \
PHONEVAL_BYTEPLANT_URL=$PV_BYTEPLANT_VERIFY \
PHONEVAL_BYTEPLANT_KEY=$PV_BYTEPLANT_KEY \
    "$CLI" sync --location "$PV_LOCATION" --byteplant-rate "$BP_RATE" \
    --concurrency 8 --no-progress > "$RUN/sync.out" 2>&1 || rc=$?
indent < "$RUN/sync.out"
[ $rc -le 1 ] || fail "phoneval sync exited $rc"
[ $rc = 0 ] || say "(phoneval sync exited 1: some contacts failed)"
say "contacts by verdict now: $(report verdicts --line)   ($(elapsed "$t2") s)"

# ---------------------------------------------------------------------------
if [ -s "$RUN/pending.ids" ]; then
    step "6. a contact that was PENDING, as the Contacts API simulator stores it after the sync"
    show=(--ids-file "$RUN/pending.ids")
else
    step "6. one contact as the Contacts API simulator stores it"
    show=(--email maya.anders1@example.com)
fi
report contact "${show[@]}" | sed 's/^/    /'

# ---------------------------------------------------------------------------
printf '\ndone in %s s. ' "$(elapsed "$t0")"
if [ "$KEEP" = 1 ]; then
    printf 'Still running: gateway %s (all addresses: %s/env.sh).\n' \
        "$PV_GATEWAY" "$REL"
    printf 'stop it: sandbox/demo_env.py down %s; rerun: make demo\n' "$REL"
else
    printf 'rerun: make demo; keep it running: PHONEVAL_DEMO_KEEP=1 make demo; logs: %s/\n' \
        "$REL"
fi
