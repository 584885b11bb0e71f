/**
 * The lawful-interception store (issue 16): only root may read warrants. Doctor checks its folder and file
 * modes and owners without opening it, and says nothing of what it holds.
 */
import {inspectInterceptStore} from '../../pipeline/intercept/store-file.js';
import {error, ok, type CheckResult} from './check.js';

export function checkInterceptStore(path: string): CheckResult {
  const id = 'intercept.store';
  const found = inspectInterceptStore(path);
  switch (found.state) {
    case 'absent':
      return ok(id, `${path}: none (no warrant was recorded on this host)`);
    case 'secure':
      return ok(id, `${path}: root's, mode 0600 in a folder 0700`);
    case 'unchecked':
      return ok(id, `${path}: its folder is closed to this user, as it should be (run doctor as root to check the file)`);
    case 'insecure':
      return error(id, found.message, found.hint);
  }
}
