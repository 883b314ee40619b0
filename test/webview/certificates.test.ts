/**
 * The inspector's Certificates view in headless Chromium. The scan it shows comes from the real
 * engine, run on certificates and keys made by openssl at test time, and converted by the host's
 * own `toScanView`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import type { ScannedCertificate } from '../../src/engine/certificateFile';
import {
  scanCertificateFiles,
  unlockEncryptedEntry,
  walkForCertificateFiles,
  type CertificateScan,
} from '../../src/engine/certificateScan';
import type { CertificateScanView } from '../../src/shared/inspectorProtocol';
import { toScanView } from '../../src/ui/certificateScanner';
import {
  generateCertificateFixtures,
  runOpenssl,
  type CertificateFixtures,
} from '../unit/certificateFixtures';
import {
  DARK_THEME,
  InspectorHarness,
  LIGHT_THEME,
  type InspectorPage,
  type Theme,
} from './harness';
import { assertCleanPage, nextPosted, postedCount, showView } from './viewHelpers';

describe('Flow Inspector Certificates view', function () {
  this.timeout(60_000);

  let harness: InspectorHarness;
  let scratch: string;
  let fixtures: CertificateFixtures;
  let scan: CertificateScan;
  let view: CertificateScanView;
  /** A certificate whose key was written outside the scanned folder. */
  let lonelyCertificate: string;
  const opened: InspectorPage[] = [];

  before(async function () {
    this.timeout(120_000);
    scratch = await mkdtemp(path.join(tmpdir(), 'inspector-certificates-'));
    fixtures = await generateCertificateFixtures(path.join(scratch, 'workspace'));
    lonelyCertificate = path.join(fixtures.directory, 'lonely.pem');
    await runOpenssl(fixtures.directory, [
      'req',
      '-x509',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-noenc',
      '-keyout',
      path.join(scratch, 'lonely.key'),
      '-out',
      lonelyCertificate,
      '-days',
      '5',
      '-subj',
      '/O=Scan Test/CN=lonely client',
    ]);
    scan = await scanCertificateFiles(walkForCertificateFiles(fixtures.directory));
    view = toScanView(scan, false);
    harness = await InspectorHarness.start();
  });

  after(async () => {
    await harness?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  afterEach(async () => {
    for (const inspector of opened.splice(0)) await inspector.close();
  });

  function certificateIn(file: string): ScannedCertificate {
    const certificate = scan.certificates.find((entry) => entry.file === file);
    assert.ok(certificate, `the scan found no certificate in ${file}`);
    return certificate;
  }

  function item(inspector: InspectorPage, certificate: ScannedCertificate): Locator {
    return inspector.page.locator(`li.certificate[data-certificate-id="${certificate.id}"]`);
  }

  function factOf(entry: Locator, term: string): Locator {
    return entry.locator(`dt:text-is("${term}") + dd`);
  }

  async function openWith(
    status: unknown = { state: 'done', scan: view },
    theme?: Theme,
  ): Promise<InspectorPage> {
    const inspector = await harness.open({ theme });
    opened.push(inspector);
    await inspector.send({ type: 'certificates', status });
    await showView(inspector.page, 'certificates');
    return inspector;
  }

  it('sends no key material to the webview', async () => {
    const message = JSON.stringify({ type: 'certificates', status: { state: 'done', scan: view } });
    for (const file of [fixtures.rsaKey, fixtures.ecKey, fixtures.ed25519Key]) {
      const pem = await readFile(file, 'utf8');
      const body = pem.split('\n').slice(1, -2).join('');
      assert.ok(body.length > 40, `${file} has no PEM body`);
      assert.ok(!message.includes(body.slice(0, 40)), `the message contains the key of ${file}`);
    }
    assert.ok(!message.includes('PRIVATE KEY'));
    assert.ok(!message.includes(fixtures.passphrase), 'the message contains the passphrase');
  });

  it('lists each certificate with its facts', async () => {
    const inspector = await openWith();
    assert.equal(await inspector.page.locator('li.certificate').count(), scan.certificates.length);
    const rsa = certificateIn(fixtures.rsaCertificate);
    const entry = item(inspector, rsa);
    assert.equal(await entry.locator('h4').textContent(), rsa.subject);
    assert.equal(await factOf(entry, 'Issuer').textContent(), rsa.issuer);
    assert.equal(
      await factOf(entry, 'SANs').textContent(),
      'DNS:client.example, IP Address:127.0.0.1',
    );
    assert.equal(await factOf(entry, 'Key type').textContent(), 'RSA 2048');
    assert.equal(await factOf(entry, 'Serial').textContent(), rsa.serialNumber);
    assert.equal(await factOf(entry, 'x5t#S256').textContent(), rsa.x5tS256);
    assert.equal(await factOf(entry, 'File').textContent(), rsa.file);
    assert.match((await factOf(entry, 'Valid to').textContent()) ?? '', /\(in (29|30) d\)$/);
    assert.equal(await entry.locator('.tag.validity').textContent(), 'Valid');

    const ed25519 = item(inspector, certificateIn(fixtures.ed25519Certificate));
    assert.equal(await factOf(ed25519, 'Key type').textContent(), 'Ed25519');
    assert.match((await factOf(ed25519, 'Issuer').textContent()) ?? '', /\(self-signed\)$/);
    const summary = await inspector.page.locator('.scan-status').textContent();
    assert.match(summary ?? '', new RegExp(`Found ${scan.certificates.length} certificates`));
    await assertCleanPage(inspector);
  });

  it('marks expired and not-yet-valid certificates', async () => {
    const inspector = await openWith();
    const expired = item(inspector, certificateIn(fixtures.expiredCertificate));
    assert.equal(await expired.locator('.tag.validity').textContent(), 'Expired');
    assert.match((await expired.getAttribute('class')) ?? '', /validity-expired/);
    assert.match(
      (await expired.locator('.certificate-warning').first().textContent()) ?? '',
      /expired|2020/i,
    );
    const future = item(inspector, certificateIn(fixtures.notYetValidCertificate));
    assert.equal(await future.locator('.tag.validity').textContent(), 'Not yet valid');
    assert.match(
      (await factOf(future, 'Valid from').textContent()) ?? '',
      /^2040-01-01 .* \(in \d+ d\)$/,
    );
  });

  it('shows paired keys and certificates without one', async () => {
    const inspector = await openWith();
    const misnamed = certificateIn(fixtures.misnamedCertificate);
    const paired = item(inspector, misnamed);
    assert.equal(await paired.locator('.tag.key-paired').textContent(), 'Key found');
    assert.equal(
      await factOf(paired, 'Private key').textContent(),
      `paired: ${fixtures.misnamedKey}`,
    );
    assert.equal(
      await paired
        .getByRole('button', { name: `Use ${misnamed.subject} for a client` })
        .getAttribute('disabled'),
      null,
    );

    const lonely = certificateIn(lonelyCertificate);
    assert.equal(lonely.keyId, undefined, 'the lonely certificate found a key');
    const unpaired = item(inspector, lonely);
    assert.equal(await unpaired.locator('.tag.key-missing').textContent(), 'No key');
    assert.equal(await factOf(unpaired, 'Private key').textContent(), 'no key');
    assert.equal(
      await unpaired
        .getByRole('button', { name: `Use ${lonely.subject} for a client` })
        .getAttribute('disabled'),
      '',
    );
  });

  it('posts useCertificate and shows the answer', async () => {
    const inspector = await openWith();
    const rsa = certificateIn(fixtures.rsaCertificate);
    const entry = item(inspector, rsa);
    const before = await postedCount(inspector);
    await entry.getByRole('button', { name: `Use ${rsa.subject} for a client` }).click();
    const message = await nextPosted(inspector, 'useCertificate', before);
    assert.equal(message.certificateId, rsa.id);
    await entry.locator('.entry-notice', { hasText: 'Waiting for VS Code' }).waitFor();
    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: false,
      error: 'Selecting a certificate for a client is not available in this version.',
    });
    await entry.locator('.entry-notice.error', { hasText: 'not available' }).waitFor();
  });

  it('unlocks encrypted entries through the host', async () => {
    const inspector = await openWith();
    const { page } = inspector;
    const files = await page.locator('li.encrypted code').allTextContents();
    for (const file of [
      fixtures.encryptedPkcs8Key,
      fixtures.legacyEncryptedKey,
      fixtures.modernPkcs12,
      fixtures.legacyPkcs12,
    ]) {
      assert.ok(files.includes(file), `${file} is not listed as locked: ${files.join(', ')}`);
    }
    const entry = scan.encrypted.find((candidate) => candidate.file === fixtures.legacyPkcs12)!;
    const row = page.locator(`li.encrypted[data-entry-id="${entry.id}"]`);
    assert.match((await row.textContent()) ?? '', /PKCS#12 file/);
    const before = await postedCount(inspector);
    await row.getByRole('button', { name: `Unlock ${entry.file}` }).click();
    const message = await nextPosted(inspector, 'unlockCertificate', before);
    assert.deepEqual(message, {
      type: 'unlockCertificate',
      requestId: message.requestId,
      entryId: entry.id,
    });
    const posted = JSON.stringify(await inspector.posted());
    assert.ok(!posted.includes(fixtures.passphrase), 'the page posted the passphrase');

    await inspector.send({
      type: 'response',
      requestId: message.requestId,
      ok: false,
      error: 'The passphrase of rsa-legacy.pfx is incorrect.',
    });
    await row.locator('.entry-notice.error', { hasText: 'is incorrect' }).waitFor();

    // Once the entry is open, the host sends the new scan.
    const unlocked = await unlockEncryptedEntry(scan, entry.id, fixtures.passphrase);
    await inspector.send({
      type: 'certificates',
      status: { state: 'done', scan: toScanView(unlocked, false) },
    });
    await row.waitFor({ state: 'detached' });
    const opened = unlocked.certificates.find(
      (certificate) => certificate.file === fixtures.legacyPkcs12,
    )!;
    const warning = item(inspector, opened).locator('.certificate-warning');
    assert.match((await warning.allTextContents()).join(' '), /openssl pkcs12 -legacy -in/);
    await assertCleanPage(inspector);
  });

  it('shows scan progress, failures and rescans', async () => {
    const inspector = await harness.open();
    opened.push(inspector);
    const { page } = inspector;
    const before = await postedCount(inspector);
    await showView(page, 'certificates');
    await nextPosted(inspector, 'scanCertificates', before);

    await inspector.send({ type: 'certificates', status: { state: 'scanning', filesRead: 0 } });
    await page.getByText('Looking for certificate files…').waitFor();
    await inspector.send({
      type: 'certificates',
      status: { state: 'scanning', filesFound: 40, filesRead: 12 },
    });
    await page.getByText('Reading certificate files: 12 of 40.').waitFor();
    const progress = await page.locator('.scan-status progress').evaluate((element) => ({
      value: (element as HTMLProgressElement).value,
      max: (element as HTMLProgressElement).max,
    }));
    assert.deepEqual(progress, { value: 12, max: 40 });

    await inspector.send({
      type: 'certificates',
      status: {
        state: 'unavailable',
        message: 'This workspace is not trusted, so its certificates and keys are not read.',
      },
    });
    await page.getByText('This workspace is not trusted').waitFor();
    await inspector.send({
      type: 'certificates',
      status: { state: 'failed', message: 'The certificate scan failed: EACCES.' },
    });
    await page.getByText('The certificate scan failed: EACCES.').waitFor();

    const count = await postedCount(inspector);
    await page.getByRole('button', { name: 'Scan the workspace for certificates again' }).click();
    await nextPosted(inspector, 'scanCertificates', count);
    await assertCleanPage(inspector);
  });

  it('ignores malformed scan messages', async () => {
    const inspector = await openWith();
    const { page } = inspector;
    const broken = [
      { type: 'certificates', status: { state: 'done' } },
      {
        type: 'certificates',
        status: { state: 'done', scan: { ...view, certificates: [{ id: 'x' }] } },
      },
      { type: 'certificates', status: { state: 'scanning', filesRead: 'many' } },
      { type: 'certificates', status: { state: 'exploded' } },
    ];
    for (const message of broken) await inspector.send(message);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    assert.equal(await page.locator('li.certificate').count(), scan.certificates.length);
  });

  it('keeps the last scan after a reload', async () => {
    const first = await openWith();
    await first.page.waitForFunction(() => {
      const state = window.__host.state as {
        certificates?: { state?: string };
        ui?: { view?: string };
      };
      return state?.certificates?.state === 'done' && state.ui?.view === 'certificates';
    });
    const saved = (await first.record()).state;
    const second = await harness.open({ state: saved });
    opened.push(second);
    await second.page.locator('#panel-certificates').waitFor({ state: 'visible' });
    assert.equal(await second.page.locator('li.certificate').count(), scan.certificates.length);
    assert.equal(
      (await second.posted()).filter((message) => message.type === 'scanCertificates').length,
      0,
    );
  });

  for (const [name, theme] of [
    ['light', LIGHT_THEME],
    ['dark', DARK_THEME],
  ] as const) {
    it(`renders in the ${name} theme`, async () => {
      const inspector = await openWith({ state: 'done', scan: view }, theme);
      const { page } = inspector;
      await page.mouse.move(0, 0);
      // The view scrolls inside its panel, so a tall window shows all of it in one picture.
      await page.setViewportSize({ width: 1280, height: 4800 });
      await inspector.screenshot(`certificates-${name}`);
      const colour = await item(inspector, certificateIn(fixtures.expiredCertificate))
        .locator('.tag.validity')
        .evaluate((element) => getComputedStyle(element).color);
      const hex = theme.variables['--vscode-errorForeground']!;
      const value = Number.parseInt(hex.slice(1), 16);
      assert.equal(colour, `rgb(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255})`);
      await assertCleanPage(inspector);
    });
  }
});
