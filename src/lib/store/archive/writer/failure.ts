/** The archive writer's errors: a member that did not read back as written, and the one refusal a failed writer gives. */
import {isPermissionDenied, permissionDenied} from '../../../base/system/ownership.js';
import {BonnieError, errorMessage} from '../../../base/errors.js';
import {blobHex} from '../blob/blob.js';
import type {BlobRecord} from '../index/repository.js';

export function verifyFailure(blob: BlobRecord, segmentId: string, reason: string): Error {
  return new Error(`verify after write: blob ${blobHex(blob.id)} in segment ${segmentId} at offset ${blob.headerOffset}: ${reason}`);
}

export function archiveFailure(error: unknown, catalogPath?: string): BonnieError {
  if (error instanceof BonnieError && (error.code === 'ArchiveWriterFailed' || error.code === 'PermissionDenied' || error.code === 'ArchiveFormatUnknown')) return error;
  const path = (error as NodeJS.ErrnoException | undefined)?.path;
  if (isPermissionDenied(error) && path !== undefined) return permissionDenied('write', path, error, catalogPath);
  return new BonnieError('ArchiveWriterFailed', `the archive writer failed and refuses further use: ${errorMessage(error)}`, {
    cause: error,
    hint: 'Nothing unverified was indexed. Fix the cause (disk full, permissions, hardware), then start a new writer; run "bonnie verify" if the disk misbehaved.',
  });
}
