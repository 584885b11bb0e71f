/**
 * A command that does not exist fails like every usage error (exit 2), through oclif's command_not_found
 * hook (src/hooks/command-not-found.ts): with --json the documented error object on stdout and nothing
 * else; without, one line and a hint on stderr, naming the closest command when one is near.
 */
import {describe, expect, it} from 'vitest';
import {closestName, editDistance} from '../../src/lib/cli/closest-name.js';
import {bonnie} from '../helpers/run.js';

const env = {BONNIE_CONFIG: '/dev/null'};

describe('an unknown command', () => {
  it('with --json prints the error object on stdout and exits 2', async () => {
    const ran = await bonnie(['frobnicate', '--json'], {env});
    expect(ran.code).toBe(2);
    expect(ran.stderr).toBe('');
    expect(JSON.parse(ran.stdout)).toEqual({
      error: {code: 'CommandUnknown', message: '"frobnicate" is not a bonnie command', hint: 'See "bonnie --help" for the commands.', exit: 2},
    });
  });

  it('without --json says so on one line, with the closest command as a hint', async () => {
    const ran = await bonnie(['stauts'], {env});
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toBe('bonnie: "stauts" is not a bonnie command\nhint: Did you mean "bonnie status"? See "bonnie --help" for the commands.\n');
  });

  it('takes --json anywhere on the line, even first', async () => {
    const ran = await bonnie(['--json', 'stauts', '--catalog', '/nowhere'], {env});
    expect(ran.code).toBe(2);
    expect(JSON.parse(ran.stdout)).toMatchObject({error: {code: 'CommandUnknown', exit: 2, hint: expect.stringContaining('"bonnie status"')}});
    // After "--" it is an argument, not the flag.
    const literal = await bonnie(['frobnicate', '--', '--json'], {env});
    expect(literal.code).toBe(2);
    expect(literal.stdout).toBe('');
    expect(literal.stderr).toMatch(/^bonnie: "frobnicate" is not a bonnie command\n/);
  });

  it("in a topic lists the topic's commands", async () => {
    const ran = await bonnie(['queue', 'frob', '--json'], {env});
    expect(ran.code).toBe(2);
    expect(JSON.parse(ran.stdout)).toEqual({
      error: {code: 'CommandUnknown', message: '"queue frob" is not a bonnie command: bonnie queue has list, retry', hint: 'See "bonnie queue --help".', exit: 2},
    });
    const typo = await bonnie(['quarantine', 'lsit'], {env});
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('hint: Did you mean "bonnie quarantine list"?');
  });

  it('with only --json and no command is a usage error too', async () => {
    const ran = await bonnie(['--json'], {env});
    expect(ran.code).toBe(2);
    expect(JSON.parse(ran.stdout)).toMatchObject({error: {code: 'CommandUnknown', message: 'no command given', exit: 2}});
  });

  it('is not a topic or no command at all: those print help and exit 0', async () => {
    const topic = await bonnie(['queue'], {env});
    expect(topic.code).toBe(0);
    expect(topic.stdout).toContain('The jobs of the queue');
    expect(topic.stdout).toMatch(/queue list\s/);
    const none = await bonnie([], {env});
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^\s+status\s/m);
  });
});

describe('closestName', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('stauts', 'status')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('export', 'export')).toBe(0);
  });

  it('suggests a near name or a unique completion, and nothing for a far one', () => {
    const names = ['archive', 'audit', 'export', 'process', 'queue list', 'queue retry', 'status'];
    expect(closestName('stauts', names)).toBe('status');
    expect(closestName('exp', names)).toBe('export');
    expect(closestName('a', names)).toBeUndefined();
    expect(closestName('frobnicate', names)).toBeUndefined();
    expect(closestName('queue lsit', names)).toBe('queue list');
  });
});
