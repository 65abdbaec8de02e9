import { parseResultsStoreUrl } from './store-url';

const CWD = '/srv/app';
const ok = (url: string) => {
  const r = parseResultsStoreUrl(url, CWD);
  if (!r.ok) throw new Error(`expected ${url} to parse: ${r.problem}`);
  return r.location;
};
const bad = (url: string) => {
  const r = parseResultsStoreUrl(url, CWD);
  if (r.ok) throw new Error(`expected ${url} to be refused, got ${JSON.stringify(r.location)}`);
  return { problem: r.problem, fix: r.fix };
};

describe('parseResultsStoreUrl: file stores', () => {
  it.each([
    ['file:./coinhts-results', '/srv/app/coinhts-results'],
    ['file:coinhts-results', '/srv/app/coinhts-results'],
    ['file:../shared/results', '/srv/shared/results'],
    ['file:/var/lib/coinhts', '/var/lib/coinhts'],
    ['file:///var/lib/coinhts', '/var/lib/coinhts'],
    ['file://localhost/var/lib/coinhts/', '/var/lib/coinhts'],
    ['file:///var/lib/coin%20hts', '/var/lib/coin hts'],
    ['FILE:/data/results', '/data/results'],
  ])('%s is the folder %s', (url, dir) => {
    expect(ok(url)).toEqual({ kind: 'local', dir, url: `file://${dir}` });
  });

  it.each([
    ['file:', /names no folder/],
    ['file://', /names no folder/],
    ['file://otherhost/data', /names the host "otherhost"/],
    ['file:~/results', /starts with ~/],
    ['file:./r?x=1', /query or fragment/],
    ['file:///bad%zz', /malformed %-escape/],
  ])('refuses %s', (url, problem) => {
    const p = bad(url);
    expect(p.problem).toMatch(problem);
    expect(p.fix).toMatch(/RESULTS_STORE=file:|folder/);
  });
});

describe('parseResultsStoreUrl: S3 stores', () => {
  it.each([
    ['s3://coinhts', 'coinhts', ''],
    ['s3://coinhts/', 'coinhts', ''],
    ['s3://coinhts/prod', 'coinhts', 'prod/'],
    ['s3://coinhts/prod/', 'coinhts', 'prod/'],
    ['s3://my.bucket-1/a/b/c/', 'my.bucket-1', 'a/b/c/'],
  ])('%s is bucket %s, prefix %j', (url, bucket, keyPrefix) => {
    expect(ok(url)).toEqual({ kind: 's3', bucket, keyPrefix, url: `s3://${bucket}/${keyPrefix}` });
  });

  it.each([
    ['s3://', /names no bucket/, /s3:\/\/my-bucket/],
    ['s3:///prefix/', /names no bucket/, /s3:\/\/my-bucket/],
    ['s3:coinhts', /not of the form s3:\/\/bucket\/prefix/, /s3:\/\/my-bucket/],
    ['s3://Upper_Case', /not a valid bucket name/, /3-63 lower-case/],
    ['s3://ab', /not a valid bucket name/, /3-63/],
    ['s3://192.168.1.10', /not a valid bucket name/, /3-63/],
    ['s3://a..b', /not a valid bucket name/, /3-63/],
    ['s3://127.0.0.1:9000/coinhts', /host with a port/, /S3_ENDPOINT=/],
    ['s3://key:secret@coinhts/', /credentials/, /AWS_ACCESS_KEY_ID/],
    ['s3://coinhts/a//b/', /empty, "\." or "\.\." segment/, /s3:\/\/coinhts\/prod\//],
    ['s3://coinhts/../b', /empty, "\." or "\.\." segment/, /prefix/],
    ['s3://coinhts/a\tb/', /control character or backslash/, /letters, digits/],
    ['s3://coinhts/p?versionId=1', /query or fragment/, /S3_ENDPOINT/],
  ])('refuses %s', (url, problem, fix) => {
    const p = bad(url);
    expect(p.problem).toMatch(problem);
    expect(p.fix).toMatch(fix);
  });
});

describe('parseResultsStoreUrl: other spellings', () => {
  it('refuses unknown schemes, naming the two that exist', () => {
    for (const url of ['gs://bucket/x', 'http://127.0.0.1:9000/coinhts', 'postgres://x']) {
      const p = bad(url);
      expect(p.problem).toMatch(/unknown scheme .* \(only file: and s3: stores exist\)/);
      expect(p.fix).toBe('write RESULTS_STORE=file:./coinhts-results or RESULTS_STORE=s3://my-bucket/coinhts/');
    }
  });

  it('turns a bare path into the file: URL to write', () => {
    expect(bad('/data/results')).toEqual({ problem: 'is not a store URL (no scheme)', fix: 'write RESULTS_STORE=file:/data/results' });
    expect(bad('./coinhts-results').fix).toBe('write RESULTS_STORE=file:./coinhts-results');
  });

  it('refuses the old spellings local and s3 with the URL that replaces them', () => {
    expect(bad('local')).toEqual({ problem: 'is the old spelling of a local store', fix: expect.stringContaining('RESULTS_STORE=file:./coinhts-results') });
    expect(bad('s3')).toEqual({ problem: 'is the old spelling of an S3 store', fix: expect.stringContaining('RESULTS_STORE=s3://{S3_BUCKET}/{S3_KEY_PREFIX}') });
  });
});
