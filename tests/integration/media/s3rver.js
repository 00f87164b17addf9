// A local S3 API on 127.0.0.1 for the media integration test: s3rver (npm) with one bucket,
// files under --dir. Prints "ready <port>" once it listens; stops on SIGTERM.
"use strict";
const S3rver = require("s3rver");

function arg(name) {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0 || at + 1 >= process.argv.length) throw new Error(`missing --${name}`);
  return process.argv[at + 1];
}

async function main() {
  const server = new S3rver({
    address: "127.0.0.1",
    port: Number(arg("port")),
    directory: arg("dir"),
    silent: true,
    configureBuckets: [{ name: arg("bucket") }],
  });
  const { port } = await server.run();
  process.stdout.write(`ready ${port}\n`);
  process.on("SIGTERM", () => server.close().then(() => process.exit(0)));
}

main().catch((error) => {
  process.stderr.write(`s3rver: ${error.message}\n`);
  process.exit(1);
});
