// A plain @aws-sdk/client-kinesis PutRecords loop: 500 records per call, one call at a time (each
// awaited), for a fixed time.
//
//   node bench/sdk_js_put_loop.js ENDPOINT STREAM SECONDS SIZE
//
// Prints one JSON object (acked, failed, bytes, seconds) like bench/producer_bench. The SDK comes
// from tests/peers/node_modules (scripts/bootstrap.sh); dummy credentials, local endpoints only.
'use strict';
const http = require('http');
const path = require('path');
const modules = path.join(__dirname, '..', 'tests', 'peers', 'node_modules');
const { KinesisClient, PutRecordsCommand } = require(path.join(modules, '@aws-sdk', 'client-kinesis'));
const { NodeHttpHandler } = require(path.join(modules, '@smithy', 'node-http-handler'));

async function main() {
  const [endpoint, stream, secondsText, sizeText] = process.argv.slice(2);
  const seconds = Number(secondsText);
  const size = Number(sizeText);
  const client = new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    // HTTP/1.1 with keep-alive, like boto3 and our client: the Kinesis client defaults to HTTP/2
    // (for SubscribeToShard), which plain-HTTP endpoints do not speak.
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
  const payload = Buffer.alloc(size, 'x');
  let acked = 0, failed = 0, metered = 0, sent = 0;
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  while (elapsed() < seconds) {
    const records = [];
    for (let k = 0; k < 500; k++) records.push({ Data: payload, PartitionKey: String((sent + k) % 100000) });
    sent += records.length;
    const answer = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    answer.Records.forEach((result, k) => {
      if (result.SequenceNumber) {
        acked += 1;
        metered += size + records[k].PartitionKey.length;
      } else {
        failed += 1;
      }
    });
  }
  console.log(JSON.stringify({ mode: 'aws-sdk-js', acked, failed, bytes: metered, seconds: elapsed() }));
  client.destroy();
}

main().catch((err) => {
  console.error(`sdk_js_put_loop: ${err}`);
  process.exit(1);
});
