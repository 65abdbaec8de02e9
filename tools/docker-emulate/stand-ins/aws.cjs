// Stand-in for `aws [--endpoint-url URL] [--output json] s3api <op> [--bucket B] [...]`: exactly the
// operations docker/s3-init.sh uses, with the same exit codes (0 ok, 254 service error, 255 no
// connection) and JSON output. The AWS SDK comes from the repository's node_modules.
const { S3Client, ListBucketsCommand, HeadBucketCommand, CreateBucketCommand, PutBucketVersioningCommand, PutBucketLifecycleConfigurationCommand, GetBucketVersioningCommand, GetBucketLifecycleConfigurationCommand } = require(require.resolve('@aws-sdk/client-s3', { paths: [process.env.COINHTS_REPO_ROOT || process.cwd()] }));
const fs = require('node:fs');

const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const positional = argv.filter((a, i) => !a.startsWith('--') && !(argv[i - 1] || '').startsWith('--'));
if (positional[0] !== 's3api') { console.error(`aws stand-in: only "s3api" is emulated (got ${argv.join(' ')})`); process.exit(252); }
const op = positional[1];
const client = new S3Client({ endpoint: opt('--endpoint-url'), region: process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1', forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', maxAttempts: 1 });
const Bucket = opt('--bucket');
const file = (v) => JSON.parse(fs.readFileSync(v.replace(/^file:\/\//, ''), 'utf8'));
const calls = {
  'list-buckets': () => new ListBucketsCommand({}),
  'head-bucket': () => new HeadBucketCommand({ Bucket }),
  'create-bucket': () => new CreateBucketCommand({ Bucket }),
  'put-bucket-versioning': () => new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: /Status=(\w+)/.exec(opt('--versioning-configuration') || '')?.[1] } }),
  'put-bucket-lifecycle-configuration': () => new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: file(opt('--lifecycle-configuration')) }),
  'get-bucket-versioning': () => new GetBucketVersioningCommand({ Bucket }),
  'get-bucket-lifecycle-configuration': () => new GetBucketLifecycleConfigurationCommand({ Bucket }),
};
if (!calls[op]) { console.error(`aws stand-in: s3api ${op} is not emulated`); process.exit(252); }
client.send(calls[op]()).then((out) => {
  const { $metadata, ...rest } = out;
  if (Object.keys(rest).length) console.log(JSON.stringify(rest, null, 2));
}, (err) => {
  const network = /ECONNREFUSED|ECONNRESET|ENOTFOUND|socket hang up/.test(`${err.code} ${err.message}`);
  console.error(network ? `Could not connect to the endpoint URL: "${opt('--endpoint-url')}"` : `An error occurred (${err.name}) when calling the ${op} operation: ${err.message}`);
  process.exitCode = network ? 255 : 254;
});
