/**
 * bonnie process --quiet and bonnie collector --quiet, as cron runs them every minute: nothing printed
 * when there was nothing to do or all went well (cron mails any output), the summary on stderr with the
 * exit status when something needs a look.
 */
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const SAMPLES = fileURLToPath(new URL('../../samples/events/', import.meta.url));
const env = {BONNIE_CONFIG: '/dev/null', BONNIE_MAX_ATTEMPTS: '1'};
const LOGIN = '{"event":"Login","timestamp":"2026-11-22T11:53:50.000Z","user":"alice","vnd.cmu.sessionId":"s-1"}\n';
/** A MailboxCreate without its folder: refused by its handler, dead after one attempt. */
const BAD_EVENT = '{"event":"MailboxCreate","timestamp":"2026-11-22T11:53:57.598Z"}\n';

async function newCatalog(): Promise<string> {
  const catalog = join(tempDir(), 'catalog.db');
  expect((await bonnie(['init', '--catalog', catalog], {env})).code).toBe(0);
  return catalog;
}

describe('--quiet', () => {
  it('bonnie process --quiet prints nothing with nothing to do or all applied, and the summary on stderr with exit 1 when a job died', async () => {
    const catalog = await newCatalog();
    const run = (args: string[], input?: string) => bonnie([...args, '--catalog', catalog], {env, ...(input === undefined ? {} : {input})});
    expect(await run(['process', '--quiet'])).toMatchObject({code: 0, stdout: '', stderr: ''});
    await run(['dealer'], LOGIN);
    expect(await run(['process', '--quiet'])).toMatchObject({code: 0, stdout: '', stderr: ''});
    await run(['dealer'], BAD_EVENT);
    const dead = await run(['process', '--quiet']);
    expect(dead.code).toBe(1);
    expect(dead.stdout).toBe('');
    expect(dead.stderr).toMatch(/1 dead/);
    // Without --quiet the summary stays on stdout.
    expect((await run(['process'])).stdout).not.toBe('');
  });

  it('bonnie collector --quiet prints nothing when there was nothing to collect', async () => {
    const catalog = await newCatalog();
    const spool = tempDir();
    const quiet = await bonnie(['collector', '--quiet', '--catalog', catalog, '--spool', spool], {env});
    expect(quiet).toMatchObject({code: 0, stdout: '', stderr: ''});
    const loud = await bonnie(['collector', '--catalog', catalog, '--spool', spool], {env});
    expect(loud.stdout).toMatch(/^Scanned 0 notification\(s\)/);
  });

  it('bonnie collector --quiet prints the summary on stderr when a message is unrecoverable', async () => {
    const catalog = await newCatalog();
    const event = readFileSync(join(SAMPLES, '65-MessageNew.json'), 'utf8');
    await bonnie(['dealer', '--catalog', catalog], {env, input: event});
    // An empty partition and no imap_url: the message's file is nowhere to be read.
    const spool = tempDir();
    mkdirSync(join(spool, 'uuid'));
    const ran = await bonnie(['collector', '--quiet', '--catalog', catalog, '--spool', spool], {env});
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/Collected 0, already stored 0, unrecoverable 1/);
  });
});
