/**
 * The program that runs first inside a sandbox with an egress allowlist (as `node -e SOURCE -- <port>
 * <socket> <command> <args…>`): it listens on the sandbox's own 127.0.0.1:<port>, forwards every connection
 * to the gateway's egress proxy through the bound unix socket, and runs the server (stdio inherited). The
 * server's exit (code or signal) becomes the forwarder's, so limit kills stay visible to the gateway.
 */
export const EGRESS_FORWARDER_SOURCE = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [port, socketPath, command, ...args] = process.argv.slice(1);
const server = net.createServer((inside) => {
  const outside = net.connect(socketPath);
  inside.pipe(outside);
  outside.pipe(inside);
  inside.on('error', () => outside.destroy());
  outside.on('error', () => inside.destroy());
});
server.on('error', (error) => {
  process.stderr.write('sandbox egress forwarder: ' + error.message + '\\n');
  process.exit(70);
});
server.listen(Number(port), '127.0.0.1', () => {
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('error', (error) => {
    process.stderr.write('sandbox egress forwarder: ' + error.message + '\\n');
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    } else process.exit(code === null ? 1 : code);
  });
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => child.kill(s));
});
`;
