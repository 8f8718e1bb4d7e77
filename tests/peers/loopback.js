// Preload (`node -r ./loopback.js ...`) that makes every server in the process listen on
// 127.0.0.1 only. kinesis-local and kinesalite's CLI bind all interfaces; our tests must not.
'use strict';
const net = require('net');
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const callbacks = args.filter((a) => typeof a === 'function');
    return originalListen.call(this, { port: Number(first), host: '127.0.0.1' }, ...callbacks);
  }
  if (first && typeof first === 'object' && !Array.isArray(first) && first.port !== undefined) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return originalListen.apply(this, args);
};
