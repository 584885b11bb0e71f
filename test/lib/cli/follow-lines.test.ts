import {describe, expect, it} from 'vitest';
import {followWriter} from '../../../src/lib/cli/follow-lines.js';

type Line = {type: 'started'} | {type: 'batch'; jobs: number} | {type: 'warning'; message: string} | {type: 'stopped'; done: number};

const render = (line: Line) => (line.type === 'batch' ? `${line.jobs} event(s)` : line.type === 'warning' ? `warning: ${line.message}` : undefined);

function capture(json: boolean, human: boolean) {
  const out: string[] = [];
  const err: string[] = [];
  const write = followWriter<Line>({json, human, stdout: (t) => out.push(t), stderr: (t) => err.push(t)}, render);
  return {write, out, err};
}

describe('follow lines', () => {
  it('with --json, writes each line at once as one JSON object per line on stdout, nothing on stderr', () => {
    const {write, out, err} = capture(true, true);
    write({type: 'started'});
    expect(out).toEqual(['{"type":"started"}\n']);
    write({type: 'batch', jobs: 3});
    write({type: 'warning', message: 'odd'});
    write({type: 'stopped', done: 3});
    expect(out.map((t) => (JSON.parse(t) as Line).type)).toEqual(['started', 'batch', 'warning', 'stopped']);
    expect(out.every((t) => t.endsWith('\n') && !t.slice(0, -1).includes('\n'))).toBe(true);
    expect(err).toEqual([]);
  });

  it('for a person watching, writes a line per batch on stderr and nothing on stdout', () => {
    const {write, out, err} = capture(false, true);
    write({type: 'started'});
    write({type: 'batch', jobs: 3});
    write({type: 'stopped', done: 3});
    expect(err).toEqual(['3 event(s)\n']);
    expect(out).toEqual([]);
  });

  it('when nobody watches (no terminal, no --verbose), writes only the warnings', () => {
    const {write, out, err} = capture(false, false);
    write({type: 'batch', jobs: 3});
    write({type: 'warning', message: 'odd'});
    expect(err).toEqual(['warning: odd\n']);
    expect(out).toEqual([]);
  });
});
