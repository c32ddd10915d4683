import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestCloud, type TestCloud } from '@qdn/local-cloud/test-harness';

// `npm run import -- jobs.json --stage local` against the local cloud: the first system's manifest (in
// the seed's shape, test/fixtures/first-system-jobs.json: two good records, one bad) becomes jobs that
// nobody is texted about, whose old tracking links keep working through the site's old URL forms.
const run = promisify(execFile);
const MANIFEST = fileURLToPath(new URL('../fixtures/first-system-jobs.json', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../../../../scripts/import.ts', import.meta.url));
const records = JSON.parse(readFileSync(MANIFEST, 'utf8')) as { jobId: string; trackingToken: string }[];
const MARK_TOKEN = records[0]!.trackingToken;

let jobs: TestCloud;

beforeAll(async () => {
  jobs = await startTestCloud('legacy-import', { capture: ['qdn.jobs'] });
}, 90_000);

afterAll(async () => {
  await jobs?.stop();
});

interface ImportRun {
  code: number;
  report: {
    imported: { index: number; legacyJobId: string; jobId: string }[];
    alreadyImported: { index: number; legacyJobId: string; jobId: string }[];
    problems: { index: number; jobId?: string; errors: { field: string; message: string }[] }[];
  };
}

async function importManifest(): Promise<ImportRun> {
  const options = { env: { ...process.env, QDN_API_URL: jobs.cloud.apiUrl } };
  try {
    const { stdout } = await run(process.execPath, [SCRIPT, MANIFEST, '--stage', 'local', '--json'], options);
    return { code: 0, report: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    if (failed.code !== 2) throw new Error(`import failed (${failed.code}): ${failed.stderr}`);
    return { code: 2, report: JSON.parse(failed.stdout) };
  }
}

describe('importing the first system’s jobs.json', () => {
  let first: ImportRun;

  beforeAll(async () => {
    first = await importManifest();
  }, 60_000);

  it('given a manifest with a bad record, then the good ones are imported and the bad one reported with its fields', () => {
    expect(first.code).toBe(2);
    expect(first.report.imported.map((job) => [job.index, job.legacyJobId])).toEqual([
      [0, records[0]!.jobId],
      [1, records[1]!.jobId],
    ]);
    expect(first.report.problems).toHaveLength(1);
    expect(first.report.problems[0]).toMatchObject({ index: 2, jobId: records[2]!.jobId });
    expect(first.report.problems[0]!.errors.map((error) => error.field).sort()).toEqual([
      'created',
      'customerName',
      'price',
      'trackingToken',
    ]);
  });

  it('given the import, then the dispatcher sees the jobs with their old ids, the phone where the manifest had one', async () => {
    const [mark, dana] = first.report.imported;
    const markView = await jobs.api('GET', `/jobs/${mark!.jobId}`, { role: 'dispatcher' });
    const danaView = await jobs.api('GET', `/jobs/${dana!.jobId}`, { role: 'dispatcher' });
    expect(markView.status).toBe(200);
    expect(markView.body.job).toMatchObject({
      legacyJobId: records[0]!.jobId,
      status: 'scheduled',
      origin: 'import',
      priceCents: 60_000,
      schedule: { date: '2026-12-04', window: 'afternoon' },
      customer: { name: 'Mark' },
    });
    expect(markView.body.job.customer.phone).toBeUndefined();
    expect(danaView.body.job).toMatchObject({ status: 'complete', customer: { phone: '+16195550177' } });
  });

  it("given a customer's old link, then the site's old forms lead to the tracking page, which shows their job", async () => {
    // Act
    const viaQuery = await fetch(`${jobs.cloud.siteUrl}/track?token=${MARK_TOKEN}`, { redirect: 'manual' });
    const viaJobId = await fetch(`${jobs.cloud.siteUrl}/track?job_id=${MARK_TOKEN}`, { redirect: 'manual' });
    const page = await fetch(`${jobs.cloud.siteUrl}/track/${MARK_TOKEN}`);
    const view = await jobs.api('GET', `/track/${MARK_TOKEN}`);

    // Assess
    expect([viaQuery.status, viaQuery.headers.get('location')]).toEqual([301, `/track/${MARK_TOKEN}`]);
    expect([viaJobId.status, viaJobId.headers.get('location')]).toEqual([301, `/track/${MARK_TOKEN}`]);
    expect(page.status).toBe(200);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ job: { status: 'scheduled', firstName: 'Mark' } });
    expect((await jobs.api('GET', `/track/${MARK_TOKEN.replace(/.$/, '0')}`)).status).toBe(404);
  });

  it('given the same manifest again, then nothing changes: the jobs are already there, at their first version', async () => {
    // Act
    const second = await importManifest();

    // Assess
    expect(second.code).toBe(2);
    expect(second.report.imported).toEqual([]);
    expect(second.report.alreadyImported).toEqual(first.report.imported);
    for (const { jobId } of first.report.imported) {
      expect((await jobs.api('GET', `/jobs/${jobId}`, { role: 'dispatcher' })).body.job.version).toBe(1);
    }
  }, 60_000);

  it('given the import, then nobody was texted and no job event went out for it', async () => {
    await jobs.settled();
    const importedIds = first.report.imported.map((job) => job.jobId);
    expect(jobs.cloud.twilio.messages()).toEqual([]);
    expect(await jobs.eventsOnceSettled(importedIds[0]!)).toEqual([]);
    expect(await jobs.eventsOnceSettled(importedIds[1]!)).toEqual([]);
  }, 60_000);
});
