// Preloaded into a process under test (NODE_OPTIONS=--require ...): on exit, writes every CommonJS
// module and native addon it loaded to $RECORD_MODULES_TO, one path per line.
const {writeFileSync} = require('node:fs');
process.on('exit', () => {
  writeFileSync(process.env.RECORD_MODULES_TO, Object.keys(require.cache).join('\n'));
});
