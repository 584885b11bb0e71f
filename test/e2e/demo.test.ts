/**
 * The README's first command runs `npm run demo` (scripts/demo.sh): it must keep working as the code moves.
 * Run here as a user would, in a folder of its own (BONNIE_DEMO_DIR), against the built CLI; what it prints
 * is checked at the points a reader of the README looks at.
 */
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO} from '../helpers/paths.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();

describe('npm run demo', () => {
  it('runs every step to the end: the record, the archive, restore, search, maillog and trace, dlp test and alerts, retention, verify, status, and the daemon through a kill -9', () => {
    const demo = join(tempDir(), 'demo');
    const run = spawnSync('bash', [join(REPO, 'scripts', 'demo.sh')], {cwd: REPO, env: {...process.env, BONNIE_DEMO_DIR: demo}, encoding: 'utf8', timeout: 300_000});
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^BONNIE OK - 0 pending, 97 done/m);
    expect(run.stdout).toMatch(/96 datagrams sent and committed in \d+ ms, through a kill -9/);
    expect(run.stdout).toMatch(/^queue\.pending\s+96$/m);
    // bonnie maillog, then trace: the hub's LMTP delivery joined to the folder Cyrus put the message in.
    expect(run.stdout).toMatch(/mx-hub\.log: 33 new line\(s\), 25 about messages, 8 ignored, 0 unknown/);
    expect(run.stdout).toMatch(/mx-hub\.log: nothing new/);
    expect(run.stdout).toMatch(/^ {2}mailbox {2}user\.alice\.Job:2 {2}M638a86d0a3982587419fc33a .*session cyruslab-1795348462-16372-1-676667785871068319$/m);
    expect(run.stdout).toMatch(/^ {4}bob@imap\.lab\.test {2}bounced {2}at mx-hub/m);
    expect(run.stdout).toMatch(/^ {4}ann@partner\.example {2}deferred {2}at mx-edge/m);
    // bonnie dlp test: the card rule matches with the numbers masked; the clear number never appears; the decoy matches nothing.
    expect(run.stdout).toMatch(/^3 of 4 rules matched: card-numbers, bank-details-leaving, encrypted-or-executable$/m);
    expect(run.stdout).toContain('4111 **** **** 1111');
    expect(run.stdout).not.toMatch(/4111[ -]?1111[ -]?1111[ -]?1111/);
    // DLP behaviour rules during bonnie process: alice's expunge of two messages at once is one alert.
    expect(run.stdout).toMatch(/^ {2}1 DLP alert\(s\) raised/m);
    expect(run.stdout).toMatch(/^#1 \S+ HIGH mass-delete \(mass_delete\) by alice, from 127\.0\.0\.1/m);
    // Retention: a week-long delete rule, bob's ten years, a hold on what alice received in those seconds.
    expect(run.stdout).toMatch(/^Plan [0-9a-f]{16}: of 10 archived message\(s\), 5 expired \([\d.]+ kB as received\) would be pruned; 4 expired but held/m);
    expect(run.stdout).toMatch(/^ {2}hold CASE-1: keeps 4 message\(s\)/m);
    expect(run.stdout).toMatch(/^ {2}hold CASE-2: keeps 2 message\(s\)/m);
    // The plan deleted: the five expired and unheld messages, a segment rewritten; restore names them.
    expect(run.stdout).toMatch(/^Plan [0-9a-f]{16}: pruned 5 message\(s\), [\d.]+ kB as received \([\d.]+ kB stored\); 1 segment\(s\) repacked into 1/m);
    expect(run.stdout).toMatch(/^ {2}UID 1: pruned by retention rule week at /m);
    // As root, a warrant on alice: her events handed over as ETSI PS-PDUs into a folder, numbered, logged.
    if (process.getuid?.() === 0) {
      expect(run.stdout).toMatch(/^ {3}19 IRI and 9 CC record\(s\) for alice, numbered from 0 per warrant and HI:$/m);
      expect(run.stdout).toMatch(/^ {2}HI2 19 handed over, last \d{4}-/m);
      expect(run.stdout).toMatch(/^ {2}HI3 9 handed over, last \d{4}-/m);
      expect(run.stdout).toMatch(/^interception log: 2 entries, chain intact$/m);
    }
    // A catalog rebuilt from the archive alone: the chain checked, and alice's audit the same on both.
    expect(run.stdout).toMatch(/^Rebuilt .*rebuilt\.db from 2 segment\(s\) \(archive format 3\)/m);
    expect(run.stdout).toMatch(/97 notification\(s\) with 97 chain link\(s\) checked/);
    expect(run.stdout).toMatch(/^ {3}bonnie audit --user alice: the same on both catalogs$/m);
    // Two rules, two holds and the prune, in the policy log's chain.
    expect(run.stdout).toMatch(/^policy: 5 change\(s\) to retention rules and legal holds checked; the log is intact$/m);
    expect(run.stdout).toMatch(/^no rule of samples\/dlp\/rules\.yaml matched \(4 checked\)$/m);
  }, 360_000);
});
