// The compatibility scenario through the AWS SDK for JavaScript v3 (@aws-sdk/client-kinesis from
// tests/peers/node_modules): create -> put -> read every shard -> reshard 2 -> 4 -> merge to 3 ->
// read in lineage order (every record exactly once) -> tags -> retention -> throttle -> delete.
//
// Usage: node scenario_js_sdk.js --binary PATH/TO/kwb
// Starts `kwb emulator --port 0` on 127.0.0.1, waits for its "listening on" line and stops it
// with SIGTERM (exit code 0 expected).
'use strict';

const path = require('path');
const { spawn } = require('child_process');
const assert = require('assert');

const peers = path.resolve(__dirname, '../../peers/node_modules');
let sdk;
try {
  sdk = require(path.join(peers, '@aws-sdk/client-kinesis'));
} catch (error) {
  console.error(`FAIL: @aws-sdk/client-kinesis not found under ${peers}: run scripts/bootstrap.sh (npm ci in tests/peers)`);
  process.exit(1);
}
const { KinesisClient } = sdk;
// The v3 Kinesis client defaults to HTTP/2 (for SubscribeToShard); kwb emulator speaks HTTP/1.1, so
// the client is given the SDK's HTTP/1.1 handler, as with kinesalite (docs/emulator.md).
const { NodeHttpHandler } = require(path.join(peers, '@smithy/node-http-handler'));

function argument(name) {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function startEmulator(binary, extraFlags) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['emulator', '--host', '127.0.0.1', '--port', '0', '--log-level', 'warn', ...extraFlags],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('emulator did not start within 10 s')), 10000);
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const match = buffered.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ child, endpoint: match[1] });
      }
    });
    child.on('exit', (code) => reject(new Error(`emulator exited with ${code} before listening`)));
  });
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(client, name, input) {
  return client.send(new sdk[`${name}Command`](input));
}

async function waitActive(client, StreamName) {
  for (let i = 0; i < 100; i += 1) {
    const { StreamDescriptionSummary: s } = await call(client, 'DescribeStreamSummary', { StreamName });
    if (s.StreamStatus === 'ACTIVE') return s;
    await pause(100);
  }
  throw new Error(`${StreamName} never became ACTIVE`);
}

async function expectError(promise, name) {
  try {
    await promise;
  } catch (error) {
    assert.strictEqual(error.name, name, `expected ${name}, got ${error.name}: ${error.message}`);
    return error;
  }
  throw new Error(`expected ${name}, the call succeeded`);
}

async function readShard(client, StreamName, ShardId) {
  let { ShardIterator } = await call(client, 'GetShardIterator', { StreamName, ShardId, ShardIteratorType: 'TRIM_HORIZON' });
  const records = [];
  for (let i = 0; i < 1000; i += 1) {
    const response = await call(client, 'GetRecords', { ShardIterator, Limit: 1000 });
    records.push(...response.Records);
    ShardIterator = response.NextShardIterator;
    if (!ShardIterator) return { records, children: response.ChildShards };
    if (response.Records.length === 0 && response.MillisBehindLatest === 0) return { records, children: null };
  }
  throw new Error(`shard ${ShardId} never ended`);
}

async function putBatch(client, StreamName, start, count) {
  const Records = [];
  for (let i = start; i < start + count; i += 1) {
    Records.push({ Data: Buffer.from(`record-${i}`), PartitionKey: `key-${i % 37}` });
  }
  const response = await call(client, 'PutRecords', { StreamName, Records });
  assert.strictEqual(response.FailedRecordCount, 0);
  return Records.map((r) => r.Data.toString());
}

async function scenario(endpoint) {
  const client = new KinesisClient({
    endpoint, region: 'us-east-1', maxAttempts: 1, requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  const StreamName = 'js-scenario';
  await call(client, 'CreateStream', { StreamName, ShardCount: 2 });
  await waitActive(client, StreamName);
  assert.ok((await call(client, 'ListStreams', {})).StreamNames.includes(StreamName));

  const sent = [...await putBatch(client, StreamName, 0, 100), ...await putBatch(client, StreamName, 100, 100)];
  const single = await call(client, 'PutRecord', { StreamName, Data: Buffer.from('single'), PartitionKey: 'key-0' });
  assert.match(single.ShardId, /^shardId-\d{12}$/);
  assert.strictEqual(single.SequenceNumber.length, 56);
  sent.push('single');

  // Read every shard.
  const seen = [];
  for (const shard of (await call(client, 'ListShards', { StreamName })).Shards) {
    const { records } = await readShard(client, StreamName, shard.ShardId);
    const sequences = records.map((r) => BigInt(r.SequenceNumber));
    for (let i = 1; i < sequences.length; i += 1) assert.ok(sequences[i] > sequences[i - 1], 'sequence numbers must rise');
    seen.push(...records.map((r) => Buffer.from(r.Data).toString()));
  }
  assert.deepStrictEqual([...seen].sort(), [...sent].sort());

  // Reshard 2 -> 4, then merge two adjacent children: 3 open shards.
  const scaled = await call(client, 'UpdateShardCount', { StreamName, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' });
  assert.strictEqual(scaled.TargetShardCount, 4);
  await waitActive(client, StreamName);
  let shards = (await call(client, 'ListShards', { StreamName })).Shards;
  assert.strictEqual(shards.length, 6);
  const open = shards.filter((s) => !s.SequenceNumberRange.EndingSequenceNumber)
    .sort((a, b) => (BigInt(a.HashKeyRange.StartingHashKey) < BigInt(b.HashKeyRange.StartingHashKey) ? -1 : 1));
  assert.strictEqual(open.length, 4);
  sent.push(...await putBatch(client, StreamName, 200, 100));
  await call(client, 'MergeShards', { StreamName, ShardToMerge: open[1].ShardId, AdjacentShardToMerge: open[2].ShardId });
  const summary = await waitActive(client, StreamName);
  assert.strictEqual(summary.OpenShardCount, 3);
  sent.push(...await putBatch(client, StreamName, 300, 100));

  // Parents before children: every record exactly once.
  shards = (await call(client, 'ListShards', { StreamName })).Shards;
  const done = new Set();
  const all = [];
  while (done.size < shards.length) {
    let progressed = false;
    for (const shard of shards) {
      if (done.has(shard.ShardId)) continue;
      const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p) => p && shards.some((s) => s.ShardId === p));
      if (!parents.every((p) => done.has(p))) continue;
      const { records, children } = await readShard(client, StreamName, shard.ShardId);
      if (shard.SequenceNumberRange.EndingSequenceNumber) assert.ok(children, `closed ${shard.ShardId} gave no ChildShards`);
      all.push(...records.map((r) => Buffer.from(r.Data).toString()));
      done.add(shard.ShardId);
      progressed = true;
    }
    assert.ok(progressed, 'lineage has a cycle');
  }
  assert.strictEqual(all.length, new Set(all).size);
  assert.deepStrictEqual([...all].sort(), [...sent].sort());

  // Tags.
  await call(client, 'AddTagsToStream', { StreamName, Tags: { team: 'data', env: 'test' } });
  await call(client, 'RemoveTagsFromStream', { StreamName, TagKeys: ['env'] });
  const tags = (await call(client, 'ListTagsForStream', { StreamName })).Tags;
  assert.deepStrictEqual(tags, [{ Key: 'team', Value: 'data' }]);

  // Retention.
  await call(client, 'IncreaseStreamRetentionPeriod', { StreamName, RetentionPeriodHours: 48 });
  assert.strictEqual((await waitActive(client, StreamName)).RetentionPeriodHours, 48);
  await expectError(call(client, 'IncreaseStreamRetentionPeriod', { StreamName, RetentionPeriodHours: 30 }),
    'InvalidArgumentException');
  await call(client, 'DecreaseStreamRetentionPeriod', { StreamName, RetentionPeriodHours: 24 });

  // Throttle: far more than 1,000 records/s into one shard.
  await call(client, 'CreateStream', { StreamName: 'js-throttled', ShardCount: 1 });
  await waitActive(client, 'js-throttled');
  const started = Date.now();
  let accepted = 0;
  let failed = 0;
  const codes = new Set();
  for (let i = 0; i < 4; i += 1) {
    const Records = Array.from({ length: 500 }, () => ({ Data: Buffer.from('t'), PartitionKey: 'k' }));
    const response = await call(client, 'PutRecords', { StreamName: 'js-throttled', Records });
    failed += response.FailedRecordCount;
    accepted += 500 - response.FailedRecordCount;
    response.Records.filter((r) => r.ErrorCode).forEach((r) => codes.add(r.ErrorCode));
  }
  const elapsed = (Date.now() - started) / 1000;
  assert.ok(accepted <= 1000 + 1000 * elapsed + 10, `accepted ${accepted} in ${elapsed} s`);
  if (elapsed < 0.9) {
    assert.ok(failed > 0, `nothing throttled in ${elapsed} s`);
    assert.deepStrictEqual([...codes], ['ProvisionedThroughputExceededException']);
  }

  // Errors, then delete.
  await expectError(call(client, 'DescribeStream', { StreamName: 'missing' }), 'ResourceNotFoundException');
  await call(client, 'DeleteStream', { StreamName });
  await call(client, 'DeleteStream', { StreamName: 'js-throttled' });
  for (let i = 0; i < 100; i += 1) {
    const names = (await call(client, 'ListStreams', {})).StreamNames;
    if (!names.includes(StreamName)) return;
    await pause(100);
  }
  throw new Error('stream never deleted');
}

async function main() {
  const binary = argument('--binary') || process.env.KWB_BINARY;
  if (!binary) throw new Error('pass --binary PATH (or set KWB_BINARY) to the kwb executable');
  const { child, endpoint } = await startEmulator(binary, []);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await scenario(endpoint);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await exited;
  assert.strictEqual(code, 0, `emulator exited with ${code} after SIGTERM`);
  console.log('js sdk scenario passed');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
