import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as engine from '../../src/engine';
import { walkForCertificateFiles } from '../../src/engine/certificateScan';
import type { CertificateScanStatus } from '../../src/shared/inspectorProtocol';
import {
  CertificateScanner,
  MAX_SCANNED_FILES,
  excludeGlob,
  toScanView,
  type ScanEnvironment,
} from '../../src/ui/certificateScanner';
import { generateCertificateFixtures, type CertificateFixtures } from './certificateFixtures';

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const files: string[] = [];
  for await (const file of iterable) files.push(file);
  return files;
}

describe('excludeGlob', () => {
  it('adds enabled files.exclude patterns', () => {
    assert.equal(
      excludeGlob({
        '**/.svn': true,
        '**/*.{js,map}': true,
        out: false,
        '**/*.ts': { when: '$(basename).tsx' },
      }),
      '{**/node_modules/**,**/.git/**,**/.svn,**/*.js,**/*.map}',
    );
  });

  it('works without the setting', () => {
    assert.equal(excludeGlob(undefined), '{**/node_modules/**,**/.git/**}');
  });
});

describe('CertificateScanner', function () {
  this.timeout(60_000);

  let scratch: string;
  let fixtures: CertificateFixtures;
  let files: string[];

  before(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'certificate-scanner-'));
    fixtures = await generateCertificateFixtures(path.join(scratch, 'workspace'));
    files = await collect(walkForCertificateFiles(fixtures.directory));
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  function scannerWith(environment: Partial<ScanEnvironment>) {
    const reports: CertificateScanStatus[] = [];
    const scanner = new CertificateScanner(
      {
        findFiles: async () => files,
        storedPassphrase: async () => undefined,
        ...environment,
      },
      async () => engine,
      (status) => reports.push(structuredClone(status)),
    );
    return { scanner, reports };
  }

  it('reports scanning, then the scan', async () => {
    const { scanner, reports } = scannerWith({});
    await scanner.rescan();
    assert.deepEqual(reports[0], { state: 'scanning', filesRead: 0 });
    const last = reports.at(-1)!;
    assert.equal(last.state, 'done');
    if (last.state !== 'done') return;
    assert.equal(last.scan.counts.files, files.length);
    assert.equal(last.scan.truncated, false);
    assert.ok(last.scan.certificates.some((entry) => entry.file === fixtures.rsaCertificate));
  });

  it('flattens errors so they survive JSON', async () => {
    const scan = await engine.scanCertificateFiles([fixtures.publicKeyOnly, fixtures.rsaKey]);
    const view = JSON.parse(JSON.stringify(toScanView(scan, false)));
    const problem = view.problems.find(
      (entry: { file: string }) => entry.file === fixtures.publicKeyOnly,
    );
    assert.equal(problem.kind, 'noCertificate');
    assert.equal(problem.error.code, 'CERTIFICATE_INVALID');
    assert.match(problem.error.message, /contains no certificate or private key/);
    assert.equal(problem.error.cause, undefined);
    assert.equal(problem.error.detail, undefined);
  });

  it('opens entries with a stored passphrase', async () => {
    const asked: string[] = [];
    const { scanner, reports } = scannerWith({
      storedPassphrase: async (file) => {
        asked.push(file);
        return file === fixtures.encryptedPkcs8Key ? fixtures.passphrase : undefined;
      },
    });
    await scanner.rescan();
    assert.ok(asked.includes(fixtures.encryptedPkcs8Key));
    const view = scanner.view();
    assert.ok(!view.encrypted.some((entry) => entry.file === fixtures.encryptedPkcs8Key));
    assert.ok(view.keys.some((key) => key.file === fixtures.encryptedPkcs8Key));
    assert.ok(view.encrypted.some((entry) => entry.file === fixtures.legacyEncryptedKey));
    assert.ok(!JSON.stringify(reports).includes(fixtures.passphrase));
  });

  it('marks entries whose stored passphrase failed', async () => {
    const { scanner } = scannerWith({
      storedPassphrase: async (file) =>
        file === fixtures.modernPkcs12 ? 'not the passphrase' : undefined,
    });
    await scanner.rescan();
    const entry = scanner.view().encrypted.find((item) => item.file === fixtures.modernPkcs12);
    assert.equal(entry?.passphraseStored, true);
    assert.equal(entry?.error?.code, 'KEY_PASSPHRASE_INCORRECT');
  });

  it('unlocks an entry and reports the new scan', async () => {
    const { scanner, reports } = scannerWith({});
    await scanner.rescan();
    const entry = scanner.current!.encrypted.find((item) => item.file === fixtures.legacyPkcs12)!;
    await assert.rejects(scanner.unlock(entry.id, 'wrong'), (error: unknown) =>
      engine.isExplorerError(error, 'KEY_PASSPHRASE_INCORRECT'),
    );
    const count = reports.length;
    await scanner.unlock(entry.id, fixtures.passphrase);
    assert.equal(reports.length, count + 1);
    const certificate = scanner.view().certificates.find((item) => item.file === entry.file);
    assert.ok(certificate, 'the unlocked PKCS#12 certificate is missing');
    assert.ok(certificate.warnings.some((warning) => warning.includes('openssl pkcs12 -legacy')));
    assert.ok(scanner.keyFor(certificate.id), 'the PKCS#12 key is not paired');
    assert.equal(scanner.encryptedEntry(entry.id), undefined);
  });

  it('contains no key material', async () => {
    const { scanner } = scannerWith({});
    await scanner.rescan();
    const text = JSON.stringify(scanner.view());
    for (const file of [fixtures.rsaKey, fixtures.ecKey]) {
      const body = (await readFile(file, 'utf8')).split('\n').slice(1, -2).join('');
      assert.ok(!text.includes(body.slice(0, 40)), `the view contains the key of ${file}`);
    }
    assert.ok(!text.includes('PRIVATE KEY'));
  });

  it('a new scan silences the running one', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const { scanner, reports } = scannerWith({
      findFiles: async (_max, signal) => {
        calls += 1;
        if (calls === 1) {
          await gate;
          assert.ok(signal.aborted, 'the first scan was not aborted');
        }
        return files;
      },
    });
    const first = scanner.rescan();
    const second = scanner.rescan();
    await second;
    release();
    await first;
    assert.equal(reports.filter((report) => report.state === 'done').length, 1);
    assert.equal(reports.filter((report) => report.state === 'failed').length, 0);
  });

  it('says when the file limit cut the scan', async () => {
    const missing = Array.from({ length: MAX_SCANNED_FILES + 1 }, (_, index) =>
      path.join(scratch, 'missing', `${index}.pem`),
    );
    const { scanner, reports } = scannerWith({ findFiles: async () => missing });
    await scanner.rescan();
    const view = scanner.view();
    assert.equal(view.truncated, true);
    assert.equal(view.counts.files, MAX_SCANNED_FILES);
    assert.ok(
      reports.some(
        (report) => report.state === 'scanning' && report.filesFound === MAX_SCANNED_FILES,
      ),
      'no progress report names the number of files',
    );
  });

  it('reports a failure of the file search', async () => {
    const { scanner, reports } = scannerWith({
      findFiles: async () => {
        throw new Error('search service unavailable');
      },
    });
    await scanner.rescan();
    assert.deepEqual(reports.at(-1), {
      state: 'failed',
      message: 'The certificate scan failed: search service unavailable',
    });
  });
});
