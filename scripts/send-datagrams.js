#!/usr/bin/env node
// For the demo: sends each file named on the command line (one event, JSON) to a notify socket as Cyrus'
// imapd does (imap/notify.c: "external\0EVENT\0\0\0\0" "0\0" <json> "\0"). Usage: send-datagrams.js SOCKET FILE...
import {readFileSync} from 'node:fs';
import {encodeNotifyDatagram} from '../dist/lib/core/event/notify-datagram.js';
import {createNotifySender} from '../dist/lib/pipeline/capture/notify-sender.js';

const [socket, ...files] = process.argv.slice(2);
if (socket === undefined || files.length === 0) {
  console.error('usage: send-datagrams.js SOCKET FILE...');
  process.exit(2);
}
const sender = createNotifySender(socket);
try {
  for (const file of files) await sender.send(encodeNotifyDatagram({message: readFileSync(file, 'utf8').trimEnd()}));
} finally {
  sender.close();
}
