import {createHash} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {keyOfBytes, messageIdOf} from '../../../../src/lib/out/restore/message-key.js';

describe('restore message keys', () => {
  it('keys a message by its Message-ID (unfolded, any case) and size', () => {
    const message = Buffer.from('From: a@example.org\r\nmessage-id:\r\n <k1@example.org>\r\n\r\nbody');
    expect(messageIdOf(message)).toBe('<k1@example.org>');
    expect(keyOfBytes(message)).toBe(`id:<k1@example.org>|${message.length}`);
  });

  it('gives the same key to the stored bytes and to the header fields IMAP returns for them', () => {
    const stored = Buffer.from('Message-ID: <same@example.org>\nSubject: s\n\nbody\n');
    expect(messageIdOf(Buffer.from('Message-ID: <same@example.org>\r\n\r\n'))).toBe(messageIdOf(stored));
  });

  it('keys a message without a Message-ID (or with an empty one, or one only in the body) by its SHA-256', () => {
    for (const text of ['Subject: none\r\n\r\nbody', 'Message-ID:  \r\n\r\nbody', 'Subject: x\r\n\r\nMessage-ID: <body@example.org>\r\n']) {
      const message = Buffer.from(text);
      expect(messageIdOf(message)).toBeUndefined();
      expect(keyOfBytes(message)).toBe(`sha:${createHash('sha256').update(message).digest('hex')}`);
    }
  });
});
