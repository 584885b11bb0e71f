/**
 * A loopback SMTP receiver for the tests of DLP alert mail: nodemailer's own server (smtp-server) takes the
 * mail and mailparser decodes it, so what a test asserts was read by a decoder bonnie did not write.
 */
import {simpleParser, type AddressObject, type ParsedMail} from 'mailparser';
import {SMTPServer, type SMTPServerOptions} from 'smtp-server';

export interface ReceivedMail {
  /** The envelope: MAIL FROM and RCPT TO. */
  envelopeFrom: string;
  envelopeTo: string[];
  /** The login of SMTP AUTH, if any. */
  authUser: string | undefined;
  /** Whether the connection was under TLS when the mail was sent. */
  secure: boolean;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Reply to DATA with this error (e.g. 451) instead of accepting, until set back to undefined. */
  reject: {code: number; message: string} | undefined;
  /** Resolves once `count` mails have been received (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** The addresses of a parsed To header. */
export function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return list.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

/**
 * Starts a receiver on 127.0.0.1 (a free port). `users` makes AUTH required and checks the passwords;
 * `options` go to smtp-server as they are (secure, key, cert, hideSTARTTLS...).
 */
export async function startSmtpSink(options: {users?: Record<string, string>; server?: Partial<SMTPServerOptions>} = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  const sink: SmtpSink = {
    port: 0,
    mails,
    reject: undefined,
    async waitFor(count, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (mails.length < count) {
        if (Date.now() > until) throw new Error(`the SMTP sink got ${mails.length} mail(s), waited for ${count}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return mails;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const users = options.users;
  const server = new SMTPServer({
    authOptional: users === undefined,
    allowInsecureAuth: true,
    logger: false,
    ...options.server,
    onAuth(auth, _session, callback) {
      if (users !== undefined && users[auth.username ?? ''] === auth.password) callback(null, {user: auth.username});
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.reject !== undefined) {
          callback(Object.assign(new Error(sink.reject.message), {responseCode: sink.reject.code}));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            mails.push({
              envelopeFrom: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              authUser: typeof session.user === 'string' ? session.user : undefined,
              secure: session.secure,
              raw,
              parsed,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  sink.port = (server.server.address() as {port: number}).port;
  return sink;
}
