#!/usr/bin/env bash
# The README's demo: everything bonnie can do so far, end to end, on a local catalog (./demo), no servers.
# 1. creates ./demo/catalog.db with `bonnie init`;
# 2. feeds the 96 bundled Cyrus 3.6 events (samples/events, captured from a real Cyrus) through
#    bin/bonnie-dealer exactly as notifyd runs it: one process per event, notifyd's argv, JSON on stdin;
# 3. shows what a dealer does with input that is not an event (quarantined) and with a catalog it cannot
#    use (spilled, then drained exactly once);
# 4. holds back one event, as Cyrus does with events over ~21 KB, and shows `bonnie gaps` noticing the hole
#    (and closing it when the event turns up late);
# 5. runs `bonnie process` (the record), shows a message's history and a user's audit, archives the
#    messages' bytes with `bonnie collector` from a spool laid out like Cyrus' (the samples' messages
#    rebuilt from their envelopes), records every folder's snapshot with `bonnie archive --all` (twice:
#    the second run finds nothing new), exports alice's Inbox as it was at 11:54:11 and as it is now with
#    `bonnie export`, plans a restore of it (`bonnie restore --dry-run`), searches the archive
#    (`bonnie search`), checks the evidence chain and the archive with `bonnie verify
#    --read-data` (the catalog itself too), shows `bonnie status` (a warning: the quarantined event), reviews
#    and acknowledges it with `bonnie quarantine`, and shows the status as a monitoring plugin sees it;
#    before verify, it reads two Postfix hosts' logs (`bonnie maillog`, samples/maillog) and follows
#    messages through them into the mailbox (`bonnie trace`, search's queueid:), and tries data-loss
#    prevention rules on a message and a decoy (`bonnie dlp test`, samples/dlp), lists the alert a behaviour
#    rule raised while `bonnie process` ran (`bonnie dlp alerts`), adds retention rules and a
#    legal hold, asks `bonnie prune --dry-run` what they would let go, and deletes that plan
#    (`bonnie prune --plan`): segments rewritten, a tombstone per message, `restore` naming them; as root,
#    puts a lawful-interception warrant on alice and hands her events over (`bonnie intercept serve`, into a
#    folder: ETSI PS-PDUs that openssl reads); rebuilds a catalog from the archive alone (`bonnie rebuild`);
# 6. runs the socket daemon (`bonnie dealer --listen`, what replaces notifyd in production) on a second
#    catalog, sends it the same events as Cyrus' datagrams, and kills it with SIGKILL half-way: nothing is
#    lost (its journal and the socket, which its holder keeps open, hold everything).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/lib/pipeline/capture/dealer.js ] || npm run build --silent

# BONNIE_DEMO_DIR: where the demo works (the tests run it in a temporary folder); ./demo by default.
demo="${BONNIE_DEMO_DIR:-$PWD/demo}"
# ./demo is the demo's own and made again; a folder named in BONNIE_DEMO_DIR must be new or empty.
if [ -n "${BONNIE_DEMO_DIR:-}" ] && [ -n "$(ls -A "$demo" 2>/dev/null)" ]; then
  echo "demo: $demo is not empty; BONNIE_DEMO_DIR must name a new or empty folder" >&2
  exit 2
fi
rm -rf "$demo"
export BONNIE_CONFIG=/dev/null BONNIE_CATALOG="$demo/catalog.db" BONNIE_LOG_FILE="$demo/dealer.log"
bonnie() { node bin/run.js "$@"; }

bonnie init
echo
lost=samples/events/17-MessageAppend.json
deal() { type=$(basename "$1" .json); type=${type#*-}; ./bin/bonnie-dealer -c "$type" -p '' -u '' -m '' -f < "$1"; }
echo "== Feeding $(ls samples/events/*.json | wc -l) sample events through bin/bonnie-dealer (as notifyd would),"
echo "   all but $(basename $lost), which we hold back as Cyrus does with an event over 21 KB"
start=$(date +%s%N)
for event in samples/events/*.json; do
  [ "$event" = "$lost" ] || deal "$event"
done
echo "   took $(( ($(date +%s%N) - start) / 1000000 )) ms"

echo "== bonnie gaps: the folder's counters reveal the missing event"
bonnie gaps
echo "== ... and the gap closes when the event turns up late"
deal "$lost"
bonnie gaps --all
echo

echo "== The same event delivered twice is stored once and counted"
./bin/bonnie-dealer -c Login -p '' -u '' -m '' -f < samples/events/01-Login.json

echo "== Input that is not an event is quarantined, not dropped"
printf '{"event": "MessageNew", "uri": ' | ./bin/bonnie-dealer -c MessageNew -p '' -u '' -m '' -f

echo "== The catalog stays locked longer than dealer_timeout: the event is spilled to disk, then drained once"
node -e "const db = new (require('better-sqlite3'))(process.argv[1]); db.exec('BEGIN EXCLUSIVE');
         setTimeout(() => db.exec('COMMIT'), 3000);" "$demo/catalog.db" &
sleep 0.5
now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
sed "s/\"timestamp\":\"[^\"]*\"/\"timestamp\":\"$now\"/" samples/events/96-Logout.json |
  BONNIE_DEALER_TIMEOUT=500ms ./bin/bonnie-dealer -c Logout -p '' -u '' -m '' -f
wait
echo "   spill folder: $(ls "$demo/spill")"
bonnie dealer --drain-spill
echo
echo "== bonnie process: the events become the record (sessions, people, folders, messages, changelog); with"
echo "   samples/dlp/behaviour.yaml as its DLP rules, it also raises an alert when someone deletes en masse"
BONNIE_DLP_RULES="$PWD/samples/dlp/behaviour.yaml" bonnie process
echo "== bonnie history --message: alice's second message, followed through a copy, a move and two renames"
bonnie history --message Mb505991248156e00f911ba8c
echo
echo "== bonnie audit --user alice --until 2026-11-22T11:54:16Z: her first session and what she did in it"
bonnie audit --user alice --until 2026-11-22T11:54:16Z --limit 12
echo
echo "== bonnie collector: the messages' bytes, from a Cyrus spool laid out for the samples, into the archive"
node scripts/demo-spool.js "$demo/spool" samples/events/*.json
bonnie collector --spool "$demo/spool"
echo
echo "== bonnie archive --all: every folder's state as a snapshot (UIDs, flags, dates, sizes); what the collector"
echo "   archived is not read again, and an expunged message still in the spool is kept, marked expunged"
bonnie archive --all --spool "$demo/spool"
echo "== ... run again on unchanged mail: nothing is read, nothing stored, no new snapshot"
bonnie archive --all --spool "$demo/spool"
echo
echo "== bonnie export --at: alice's Inbox as it was at 11:54:11 (before the move and the expunge), as a Maildir:"
echo "   the flags are in the file names (F flagged, R answered, S seen, T deleted, D draft)"
bonnie export --mailbox user.alice --at 2026-11-22T11:54:11Z --format maildir --out "$demo/export-at-115411"
ls "$demo/export-at-115411/INBOX/cur"
echo "== ... and as it is now, as an mbox file, checked with sha256sum"
bonnie export --mailbox user.alice --format mbox --out "$demo/export-now"
(cd "$demo/export-now" && sha256sum -c SHA256SUMS)
echo
echo "== bonnie restore --dry-run: the plan to put that Inbox back, next to the current one (no server here:"
echo "   planned offline; with imap_url set, the same command without --dry-run does it)"
bonnie restore --mailbox user.alice --at 2026-11-22T11:54:11Z --into user.alice.Restored --dry-run
echo
echo "== bonnie search: the archive's full text, newest first, with refs that history and restore accept"
bonnie search 'from:carol subject:"second message"'
echo "== ... mail that is gone (expunged, moved away, deleted folders) only when asked for"
bonnie search 'message NOT subject:second' --include-deleted
echo
echo "== bonnie maillog: two Postfix hosts' logs (samples/maillog: an edge relaying to a hub that delivers by LMTP);"
echo "   each file is remembered by its first line, so a second run reads nothing again"
mkdir -p "$demo/maillog"
cp samples/maillog/*.log "$demo/maillog/"
# Syslog lines carry no year: the copies are dated as the samples' day, and read in the zone they were written in.
touch -d '2026-11-22 12:00:00 UTC' "$demo"/maillog/*.log
TZ=UTC bonnie maillog "$demo/maillog/mx-edge.log" "$demo/maillog/mx-hub.log"
TZ=UTC bonnie maillog "$demo/maillog/mx-edge.log" "$demo/maillog/mx-hub.log"
echo "== bonnie trace: a message from the outside through both hosts into alice's Job folder (the hub's LMTP"
echo "   reply carries Cyrus' session ID, the MessageNew event's), then one deferred at the edge and bounced at the hub"
bonnie trace '<Plus-addressed-1795348462056@example.org>'
bonnie trace 90C7E20C10D
echo "== ... and search by a queue ID any host gave the message"
bonnie search 'queueid:5C83A20C0C5'
echo
echo "== bonnie dlp test: data-loss prevention rules (samples/dlp/rules.yaml) tried on a message before they are"
echo "   put in force, as if alice sent it (direction out, her Sent folder); numbers only ever shown masked"
bonnie dlp test samples/dlp/rules.yaml samples/dlp/card.eml --direction out --folder Sent
echo "== ... and on a decoy whose card-like number fails the Luhn check"
bonnie dlp test samples/dlp/rules.yaml samples/dlp/decoy.eml
echo "== bonnie dlp alerts: what the behaviour rules raised while bonnie process ran (alice expunged two at once)"
bonnie dlp alerts
echo
echo "== bonnie retention and bonnie hold: mail may go after a week, bob's is kept ten years, a legal hold keeps what"
echo "   alice received by LMTP; bonnie prune --dry-run says what the rules would let go (nothing is deleted)"
bonnie retention add week --delete 7d
bonnie retention add bob-ten-years --keep 10y --user bob
bonnie hold add CASE-1 --user alice --since 2026-11-22T11:54:15Z --until 2026-11-22T11:54:23Z --reason "demo: alice's mail of those seconds"
bonnie hold add CASE-2 --query 'subject:plus' --reason "demo: the plus-addressed mail, wherever it is (a search query)"
bonnie prune --dry-run
echo "== bonnie prune --plan: that plan deleted, checked again now (the held mail stays): the segments are rewritten"
echo "   without those messages and read back before the catalog forgets them; a tombstone says what went and why"
plan=$(bonnie prune --dry-run --json | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).id))')
bonnie prune --plan "$plan"
echo "== ... restore names what was pruned (rule, when) instead of failing"
bonnie restore --mailbox user.alice --at 2026-11-22T11:54:11Z --into user.alice.Restored --dry-run
echo
echo "== bonnie intercept: a warrant on alice (root only; its store is root's alone, apart from the catalog), handed"
echo "   over by bonnie intercept serve as ETSI TS 102 232 PS-PDUs (BER): here into a folder, one file per record"
if [ "$(id -u)" -eq 0 ]; then
  export BONNIE_INTERCEPT_DB="$demo/intercept/intercept.db" BONNIE_SPOOL="$demo/spool"
  bonnie intercept add --liid DEMO-LI-1 --agency DEMO --target alice --start 2026-11-01 --end 2027-01-01 \
    --folder "$demo/handover" --auth-country DE --delivery-country DE
  # Not through the bonnie function: a background job's SIGINT is ignored, and $! must be node itself.
  node bin/run.js intercept serve --json > "$demo/intercept-serve.jsonl" &
  serve=$!
  # serve follows the catalog as capture commits it; here every event is in already: wait for the records.
  for _ in $(seq 1 100); do [ "$(ls "$demo/handover" 2>/dev/null | wc -l)" -ge 28 ] && break; sleep 0.2; done
  kill -TERM "$serve" && wait "$serve"
  echo "   $(ls "$demo/handover" | grep -c IRI) IRI and $(ls "$demo/handover" | grep -c CC) CC record(s) for alice, numbered from 0 per warrant and HI:"
  ls "$demo/handover" | head -3
  if command -v openssl > /dev/null; then
    echo "== ... the first IRI record (alice's logon), as openssl reads it"
    openssl asn1parse -inform DER -in "$demo/handover/DEMO-LI-1-IRI-000000000000.ber" -i | head -24
  fi
  echo "== ... where the handover stands (WAITING would mean the agency is down, or serve is not running)"
  bonnie intercept list
  bonnie intercept end DEMO-LI-1 --reason "demo: over"
  bonnie intercept verify-log
else
  echo "   (skipped: interception runs as root only)"
fi
echo
echo "== bonnie verify --read-data: the evidence chain is intact, and every archived message re-hashes"
bonnie verify --read-data
echo
echo "== bonnie rebuild: the catalog lost? The archive (format 2) carries the accepted events with their chain"
echo "   hashes, the snapshots and the links: a new catalog from the segments alone, checked, answers the same"
bonnie rebuild --archive "$demo/archive" --catalog "$demo/rebuilt.db"
bonnie verify --events --catalog "$demo/rebuilt.db"
if diff <(bonnie audit --user alice) <(bonnie audit --user alice --catalog "$demo/rebuilt.db") > /dev/null; then
  echo "   bonnie audit --user alice: the same on both catalogs"
else
  echo "   bonnie audit --user alice differs on the rebuilt catalog" >&2
  exit 1
fi
echo
echo "== bonnie status (exit status 0 healthy, 6 warning, 7 critical: the demo's quarantined input is a warning)"
bonnie status || echo "   bonnie status exited $?"
echo
echo "== bonnie quarantine: review the malformed event, then acknowledge it (recorded, kept as evidence)"
bonnie quarantine list
bonnie quarantine ack 1 --reason "demo: a truncated event, reviewed"
bonnie status --nagios || true
echo
echo "== bonnie dealer --listen: a daemon binds the notify socket in place of notifyd (second catalog)"
socket="$demo/notify.sock"
bonnie init --catalog "$demo/socket/catalog.db" > /dev/null
node bin/run.js dealer --listen "$socket" --catalog "$demo/socket/catalog.db" --socket-group "$(id -gn)" &
daemon=$!
# Should a step below fail, the daemon (and the holder it started) must not outlive the demo.
trap 'kill -TERM "$daemon" 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.1; done
start=$(date +%s%N)
events=(samples/events/*.json)
node scripts/send-datagrams.js "$socket" "${events[@]:0:48}"
# kill -9 the daemon (not the holder that keeps the socket): what it read is in its journal, what it did not
# read waits in the socket; the holder starts it again.
holder=$(pgrep -P "$daemon" perl || true)
reader=$(pgrep -P "$holder" || true)
[ -n "$reader" ] && kill -9 "$reader" && echo "   killed the daemon (pid $reader) with SIGKILL after 48 events; sending the other 48"
node scripts/send-datagrams.js "$socket" "${events[@]:48}"
kill -TERM "$daemon"; wait "$daemon"
trap - EXIT
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
committed=$(bonnie status --json --catalog "$demo/socket/catalog.db" | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{const q=JSON.parse(s).queue;console.log(q.pending+q.done+q.failed+q.dead)})' || true)
if [ "$committed" != "${#events[@]}" ]; then
  echo "   ${#events[@]} datagrams sent, but the catalog holds $committed: something was lost" >&2
  exit 1
fi
echo "   ${#events[@]} datagrams sent and committed in $elapsed ms, through a kill -9 (the daemon stopped on SIGTERM)"
{ bonnie status --catalog "$demo/socket/catalog.db" || true; } | grep -E '^(queue\.pending|queue\.quarantined|gaps\.open)'
echo
echo "Catalog: $demo/catalog.db   Dealer log: $demo/dealer.log"
