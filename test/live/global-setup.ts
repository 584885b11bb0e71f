/**
 * Global setup of the `live` project: installs Cyrus IMAP and slapd if missing (test/harness/install.sh),
 * starts ONE lab (notifyd mode, with LDAP) for every live test file, hands its description to the tests
 * (`inject('lab')`), and stops it afterwards. Runs as root only: CI is root, and a live suite that
 * silently skipped would prove nothing.
 */
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import type {TestProject} from 'vitest/node';
import {startLab} from '../harness/lab.js';
import type {LabInfo} from '../harness/lab.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabInfo;
  }
}

const INSTALL = fileURLToPath(new URL('../harness/install.sh', import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) {
    throw new Error('the live tests need root (they install Cyrus IMAP and slapd, and start cyrmaster as root): run them as root, or run `npx vitest run --project unit`');
  }
  const installed = spawnSync('bash', [INSTALL], {stdio: ['ignore', 'inherit', 'inherit']});
  if (installed.status !== 0) throw new Error(`test/harness/install.sh failed (exit ${installed.status ?? installed.signal})`);

  const lab = await startLab({notify: 'notifyd', ldap: true});
  const {stop, ...info} = lab;
  project.provide('lab', info);
  return stop;
}
