import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as tls from 'node:tls';
import { promisify } from 'node:util';
import {
  clientCertificateInputFor,
  readClientCertificateInput,
} from '../../src/engine/certificateLoad';
import { splitSubjectAltNames } from '../../src/engine/certificateFile';
import {
  scanCertificateFiles,
  unlockEncryptedEntry,
  type CertificateScan,
  type CertificateScanOptions,
  type PassphraseRequest,
} from '../../src/engine/certificateScan';
import { globToRegExp, walkForCertificateFiles } from '../../src/engine/certificateWalk';
import { loadClientCertificate } from '../../src/engine/credentials';
import { ExplorerError, isExplorerError } from '../../src/engine/errors';
import { pkcs12ReexportCommands } from '../../src/engine/pkcs12';
import {
  generateCertificateFixtures,
  PASSPHRASE_VARIABLE,
  runOpenssl,
  type CertificateFixtures,
} from './certificateFixtures';

const execFileAsync = promisify(execFile);

function certificateIn(scan: CertificateScan, file: string, blockIndex = 0) {
  const found = scan.certificates.find(
    (entry) => entry.file === file && entry.blockIndex === blockIndex,
  );
  assert.ok(
    found,
    `no certificate at ${file} block ${blockIndex}; found ${scan.certificates.map((entry) => entry.id).join(', ')}`,
  );
  return found;
}

function keyIn(scan: CertificateScan, file: string, blockIndex = 0) {
  const found = scan.keys.find((entry) => entry.file === file && entry.blockIndex === blockIndex);
  assert.ok(
    found,
    `no key at ${file} block ${blockIndex}; found ${scan.keys.map((entry) => entry.id).join(', ')}`,
  );
  return found;
}

async function rejection(promise: Promise<unknown>): Promise<ExplorerError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ExplorerError, `expected an ExplorerError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to reject');
}

/** Thumbprint computed from openssl's own DER output, independent of the scan's parsing. */
async function opensslThumbprint(directory: string, pemFile: string): Promise<string> {
  const derFile = path.join(directory, `${path.basename(pemFile)}.der`);
  await runOpenssl(directory, ['x509', '-in', pemFile, '-outform', 'DER', '-out', derFile]);
  return createHash('sha256')
    .update(await readFile(derFile))
    .digest('base64url');
}

/** Returns a reader that serves the given texts from memory, for scheduling and counting tests. */
function memoryReader(files: Map<string, string>): CertificateScanOptions['readFile'] {
  return async (file) => Buffer.from(files.get(file) ?? '');
}

describe('certificate scan', function () {
  this.timeout(60_000);

  let fixtures: CertificateFixtures;
  let scratch: string;

  before(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'certificate-scan-'));
    fixtures = await generateCertificateFixtures(path.join(scratch, 'fixtures'));
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  describe('certificate details', () => {
    it('RSA certificate details', async () => {
      const scan = await scanCertificateFiles([fixtures.rsaCertificate, fixtures.rsaKey]);
      const certificate = certificateIn(scan, fixtures.rsaCertificate);
      const serialOutput = await runOpenssl(scratch, [
        'x509',
        '-in',
        fixtures.rsaCertificate,
        '-noout',
        '-serial',
      ]);

      assert.equal(certificate.subject, 'CN=rsa client,O=Scan Test');
      assert.equal(certificate.issuer, 'CN=Scan Test CA,O=Scan Test');
      assert.equal(certificate.serialNumber, serialOutput.trim().replace(/^serial=/, ''));
      assert.equal(certificate.x5tS256, await opensslThumbprint(scratch, fixtures.rsaCertificate));
      assert.deepEqual(certificate.subjectAltNames, ['DNS:client.example', 'IP Address:127.0.0.1']);
      assert.deepEqual(certificate.publicKey, { type: 'rsa', bits: 2048, label: 'RSA 2048' });
      assert.equal(certificate.validity, 'valid');
      assert.equal(certificate.validityProblem, undefined);
      assert.equal(certificate.format, 'pem');
      assert.equal(certificate.ca, false);
      assert.equal(certificate.selfSigned, false);
      assert.equal(certificate.keyId, `${fixtures.rsaKey}#0`);
    });

    it('EC P-256 and Ed25519 key types', async () => {
      const scan = await scanCertificateFiles([
        fixtures.ecCertificate,
        fixtures.ecKey,
        fixtures.ed25519Certificate,
        fixtures.ed25519Key,
      ]);
      const ec = certificateIn(scan, fixtures.ecCertificate);
      const ed25519 = certificateIn(scan, fixtures.ed25519Certificate);

      assert.deepEqual(ec.publicKey, { type: 'ec', curve: 'P-256', label: 'EC P-256' });
      assert.equal(ec.keyId, `${fixtures.ecKey}#0`);
      assert.equal(ec.selfSigned, true);
      assert.deepEqual(ed25519.publicKey, { type: 'ed25519', label: 'Ed25519' });
      assert.equal(ed25519.keyId, `${fixtures.ed25519Key}#0`);
      assert.deepEqual(keyIn(scan, fixtures.ed25519Key).publicKey, ed25519.publicKey);
    });

    it('PEM bundle blocks', async () => {
      const scan = await scanCertificateFiles([fixtures.bundle]);
      const leaf = certificateIn(scan, fixtures.bundle, 0);
      const ca = certificateIn(scan, fixtures.bundle, 1);
      const key = keyIn(scan, fixtures.bundle, 2);

      assert.equal(scan.certificates.length, 2);
      assert.equal(leaf.subject, 'CN=bundled client,O=Scan Test');
      assert.equal(leaf.keyId, key.id);
      assert.equal(ca.subject, 'CN=Scan Test CA,O=Scan Test');
      assert.equal(ca.ca, true);
      assert.equal(ca.keyId, undefined);
      assert.deepEqual(key.certificateIds, [leaf.id]);
    });

    it('DER certificate', async () => {
      const scan = await scanCertificateFiles([fixtures.ecDerCertificate, fixtures.ecKey]);
      const certificate = certificateIn(scan, fixtures.ecDerCertificate);
      const derBytes = await readFile(fixtures.ecDerCertificate);

      assert.equal(certificate.format, 'der');
      assert.equal(certificate.subject, 'CN=ec client,O=Scan Test');
      assert.equal(certificate.x5tS256, createHash('sha256').update(derBytes).digest('base64url'));
      assert.equal(certificate.keyId, `${fixtures.ecKey}#0`);
    });

    it('expired and not-yet-valid certificates', async () => {
      const scan = await scanCertificateFiles([
        fixtures.expiredCertificate,
        fixtures.notYetValidCertificate,
      ]);
      const expired = certificateIn(scan, fixtures.expiredCertificate);
      const notYetValid = certificateIn(scan, fixtures.notYetValidCertificate);

      assert.equal(expired.validity, 'expired');
      assert.match(expired.validityProblem ?? '', /^expired on 2020-12-31T00:00:00/);
      assert.equal(notYetValid.validity, 'notYetValid');
      assert.match(notYetValid.validityProblem ?? '', /^is not valid before 2040-01-01T00:00:00/);
    });

    it('validity checked against the given time', async () => {
      const scan = await scanCertificateFiles([fixtures.expiredCertificate], {
        now: new Date('2020-06-01T00:00:00Z'),
      });

      assert.equal(certificateIn(scan, fixtures.expiredCertificate).validity, 'valid');
      assert.equal(scan.checkedAt, '2020-06-01T00:00:00.000Z');
    });

    it('subject alternative names with quoted commas', () => {
      const names = splitSubjectAltNames(
        'DNS:a.example, URI:"https://b.example/x,y", IP Address:::1',
      );

      assert.deepEqual(names, ['DNS:a.example', 'URI:"https://b.example/x,y"', 'IP Address:::1']);
      assert.deepEqual(splitSubjectAltNames(undefined), []);
    });
  });

  describe('pairing', () => {
    it('pairs by public key when file names mislead', async () => {
      const scan = await scanCertificateFiles([
        fixtures.misnamedCertificate,
        fixtures.misnamedKey,
        fixtures.rsaKey,
        fixtures.ecKey,
      ]);
      const certificate = certificateIn(scan, fixtures.misnamedCertificate);

      assert.equal(certificate.subject, 'CN=misnamed client,O=Scan Test');
      assert.equal(certificate.publicKey.label, 'EC P-256');
      assert.equal(certificate.keyId, `${fixtures.misnamedKey}#0`);
      assert.deepEqual(keyIn(scan, fixtures.rsaKey).certificateIds, []);
      assert.deepEqual(keyIn(scan, fixtures.ecKey).certificateIds, []);
    });

    it('prefers the key with the same name', async () => {
      const copy = path.join(scratch, 'a-pairing', 'copy.key');
      await mkdir(path.dirname(copy), { recursive: true });
      await copyFile(fixtures.ecKey, copy);
      const scan = await scanCertificateFiles([copy, fixtures.ecCertificate, fixtures.ecKey]);
      const certificate = certificateIn(scan, fixtures.ecCertificate);

      assert.equal(certificate.keyId, `${fixtures.ecKey}#0`);
      assert.deepEqual(keyIn(scan, copy).certificateIds, [certificate.id]);
      assert.deepEqual(keyIn(scan, fixtures.ecKey).certificateIds, [certificate.id]);
    });
  });

  describe('encrypted keys', () => {
    it('encrypted PKCS#8 key waits for a later passphrase', async () => {
      const scan = await scanCertificateFiles([fixtures.ecCertificate, fixtures.encryptedPkcs8Key]);
      const id = `${fixtures.encryptedPkcs8Key}#0`;

      assert.deepEqual(
        scan.encrypted.map((entry) => [entry.id, entry.encryption, entry.format]),
        [[id, 'pkcs8', 'pem']],
      );
      assert.equal(scan.keys.length, 0);
      assert.equal(certificateIn(scan, fixtures.ecCertificate).keyId, undefined);

      const unlocked = await unlockEncryptedEntry(scan, id, fixtures.passphrase);

      assert.equal(unlocked.encrypted.length, 0);
      assert.equal(keyIn(unlocked, fixtures.encryptedPkcs8Key).encryption, 'pkcs8');
      assert.equal(certificateIn(unlocked, fixtures.ecCertificate).keyId, id);
      assert.equal(certificateIn(scan, fixtures.ecCertificate).keyId, undefined);
      assert.equal(scan.encrypted.length, 1);
    });

    it('legacy PEM encryption opened by passphraseFor', async () => {
      const requests: PassphraseRequest[] = [];
      const scan = await scanCertificateFiles(
        [fixtures.rsaCertificate, fixtures.legacyEncryptedKey],
        {
          passphraseFor: (request) => {
            requests.push(request);
            return fixtures.passphrase;
          },
        },
      );

      assert.deepEqual(requests, [
        {
          id: `${fixtures.legacyEncryptedKey}#0`,
          file: fixtures.legacyEncryptedKey,
          blockIndex: 0,
          encryption: 'pemLegacy',
        },
      ]);
      assert.equal(scan.encrypted.length, 0);
      assert.equal(keyIn(scan, fixtures.legacyEncryptedKey).encryption, 'pemLegacy');
      assert.equal(
        certificateIn(scan, fixtures.rsaCertificate).keyId,
        `${fixtures.legacyEncryptedKey}#0`,
      );
    });

    it('wrong passphrase from passphraseFor', async () => {
      const scan = await scanCertificateFiles([fixtures.legacyEncryptedKey], {
        passphraseFor: () => 'not the passphrase',
      });
      const [entry] = scan.encrypted;

      assert.equal(scan.encrypted.length, 1);
      assert.equal(entry?.error?.code, 'KEY_PASSPHRASE_INCORRECT');
      assert.ok(entry?.error?.message.includes(fixtures.legacyEncryptedKey));
      assert.match(entry?.error?.hint ?? '', /openssl pkey -in/);
      assert.equal(scan.counts.problems.passphraseIncorrect, 1);
      assert.equal(scan.problems[0]?.kind, 'passphraseIncorrect');
    });

    it('wrong passphrase in a later call', async () => {
      const scan = await scanCertificateFiles([fixtures.encryptedPkcs8Key]);
      const error = await rejection(
        unlockEncryptedEntry(scan, `${fixtures.encryptedPkcs8Key}#0`, 'not the passphrase'),
      );

      assert.equal(error.code, 'KEY_PASSPHRASE_INCORRECT');
      assert.ok(error.message.includes(fixtures.encryptedPkcs8Key), error.message);
      assert.ok(error.hint, 'the error has no hint');
    });

    it('unknown entry id', async () => {
      const scan = await scanCertificateFiles([fixtures.encryptedPkcs8Key]);
      const error = await rejection(unlockEncryptedEntry(scan, 'missing#0', 'x'));

      assert.equal(error.code, 'INVALID_INPUT');
    });

    it('passphraseFor never runs twice at once', async () => {
      let running = 0;
      let maxRunning = 0;
      const files: string[] = [];
      const scan = await scanCertificateFiles(
        [
          fixtures.encryptedPkcs8Key,
          fixtures.legacyEncryptedKey,
          fixtures.modernPkcs12,
          fixtures.legacyPkcs12,
        ],
        {
          concurrency: 4,
          passphraseFor: async (request) => {
            running++;
            maxRunning = Math.max(maxRunning, running);
            files.push(request.file);
            await delay(20);
            running--;
            return fixtures.passphrase;
          },
        },
      );

      assert.equal(files.length, 4);
      assert.equal(maxRunning, 1);
      assert.equal(scan.encrypted.length, 0);
    });
  });

  describe('PKCS#12', () => {
    it('modern PKCS#12 listed as encrypted without a passphrase', async () => {
      const scan = await scanCertificateFiles([fixtures.modernPkcs12]);

      assert.deepEqual(
        scan.encrypted.map((entry) => [entry.id, entry.encryption, entry.blockIndex]),
        [[fixtures.modernPkcs12, 'pkcs12', undefined]],
      );
      assert.equal(scan.certificates.length, 0);
    });

    it('modern PKCS#12 opens with its passphrase', async () => {
      const scan = await scanCertificateFiles([fixtures.modernPkcs12], {
        passphraseFor: () => fixtures.passphrase,
      });
      const certificate = certificateIn(scan, fixtures.modernPkcs12, 0);
      const key = keyIn(scan, fixtures.modernPkcs12, 1);

      assert.equal(certificate.format, 'pkcs12');
      assert.equal(certificate.subject, 'CN=ec client,O=Scan Test');
      assert.equal(certificate.x5tS256, await opensslThumbprint(scratch, fixtures.ecCertificate));
      assert.equal(certificate.friendlyName, 'ec friendly name');
      assert.deepEqual(certificate.warnings, []);
      assert.equal(certificate.keyId, key.id);
      assert.equal(key.encryption, 'pkcs12');
      assert.equal(key.publicKey.label, 'EC P-256');
    });

    it('PKCS#12 with a SHA-512 MAC', async () => {
      const scan = await scanCertificateFiles([fixtures.sha512MacPkcs12], {
        passphraseFor: () => fixtures.passphrase,
      });
      const certificate = certificateIn(scan, fixtures.sha512MacPkcs12, 0);

      assert.deepEqual(scan.problems, []);
      assert.equal(certificate.subject, 'CN=ec client,O=Scan Test');
      assert.equal(certificate.keyId, `${fixtures.sha512MacPkcs12}#1`);
    });

    it('legacy PKCS#12 is read and flagged', async () => {
      const scan = await scanCertificateFiles([fixtures.legacyPkcs12], {
        passphraseFor: () => fixtures.passphrase,
      });
      const certificate = certificateIn(scan, fixtures.legacyPkcs12, 0);
      const key = keyIn(scan, fixtures.legacyPkcs12, 1);
      const [warning] = certificate.warnings;

      assert.equal(certificate.subject, 'CN=rsa client,O=Scan Test');
      assert.equal(certificate.x5tS256, await opensslThumbprint(scratch, fixtures.rsaCertificate));
      assert.equal(certificate.keyId, key.id);
      assert.equal(key.publicKey.label, 'RSA 2048');
      assert.equal(certificate.warnings.length, 1);
      assert.match(warning ?? '', /pbeWithSHAAnd40BitRC2-CBC/);
      assert.match(warning ?? '', /pbeWithSHAAnd3-KeyTripleDES-CBC/);
      assert.match(warning ?? '', /legacy provider/);
      assert.ok(warning?.includes(pkcs12ReexportCommands(fixtures.legacyPkcs12)));
      assert.deepEqual(key.warnings, certificate.warnings);
    });

    it('re-export commands make a modern file', async () => {
      const folder = path.join(scratch, 'reexport');
      await mkdir(folder, { recursive: true });
      const legacyCopy = path.join(folder, 'old.p12');
      await copyFile(fixtures.legacyPkcs12, legacyCopy);
      // The commands prompt for passphrases; the test passes them through the environment.
      const [exportPem, importPem, removePem] = pkcs12ReexportCommands(legacyCopy).split(' && ');
      const passwords = `-passin env:${PASSPHRASE_VARIABLE} -passout env:${PASSPHRASE_VARIABLE}`;
      const script = `${exportPem} ${passwords} && ${importPem} ${passwords} && ${removePem}`;
      await execFileAsync('sh', ['-c', script], {
        env: { ...process.env, [PASSPHRASE_VARIABLE]: fixtures.passphrase },
      });
      const modernFile = path.join(folder, 'old-aes.p12');
      const scan = await scanCertificateFiles([modernFile], {
        passphraseFor: () => fixtures.passphrase,
      });
      const certificate = certificateIn(scan, modernFile, 0);

      assert.equal(certificate.x5tS256, await opensslThumbprint(scratch, fixtures.rsaCertificate));
      assert.deepEqual(certificate.warnings, []);
      assert.equal(certificate.keyId, `${modernFile}#1`);
      await assert.rejects(readFile(path.join(folder, 'old.pem')), { code: 'ENOENT' });
    });

    it('wrong PKCS#12 passphrase', async () => {
      const scan = await scanCertificateFiles([fixtures.legacyPkcs12]);
      const error = await rejection(
        unlockEncryptedEntry(scan, fixtures.legacyPkcs12, 'not the passphrase'),
      );

      assert.equal(error.code, 'KEY_PASSPHRASE_INCORRECT');
      assert.ok(error.message.includes(`PKCS#12 file ${fixtures.legacyPkcs12}`), error.message);
      assert.match(error.hint ?? '', /openssl pkcs12 -in/);
    });

    it('PKCS#12 without a passphrase opens without asking', async () => {
      let asked = 0;
      const scan = await scanCertificateFiles([fixtures.unprotectedPkcs12], {
        passphraseFor: () => {
          asked++;
          return undefined;
        },
      });
      const certificate = certificateIn(scan, fixtures.unprotectedPkcs12, 0);

      assert.equal(asked, 0);
      assert.equal(certificate.publicKey.label, 'Ed25519');
      assert.equal(certificate.keyId, `${fixtures.unprotectedPkcs12}#1`);
    });

    it('a .p12 file that is not PKCS#12', async () => {
      const broken = path.join(scratch, 'broken.p12');
      await writeFile(broken, Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05, 0xff, 0xff]));
      const scan = await scanCertificateFiles([broken]);

      assert.equal(scan.counts.problems.invalid, 1);
      assert.equal(scan.problems[0]?.kind, 'invalid');
      assert.equal(scan.problems[0]?.error.code, 'CERTIFICATE_INVALID');
      assert.match(scan.problems[0]?.error.message ?? '', /could not be read as PKCS#12/);
    });
  });

  describe('loading a scanned pair', () => {
    it('legacy PKCS#12 pair completes a TLS handshake', async () => {
      const scan = await scanCertificateFiles([fixtures.legacyPkcs12], {
        passphraseFor: () => fixtures.passphrase,
      });
      const certificate = certificateIn(scan, fixtures.legacyPkcs12, 0);
      const input = await clientCertificateInputFor(scan, certificate.id, {
        passphrase: fixtures.passphrase,
      });
      const loaded = loadClientCertificate(input);

      assert.match(input.keyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      assert.equal(loaded.summary.x5tS256, certificate.x5tS256);

      const server = tls.createServer({
        cert: await readFile(fixtures.ecCertificate),
        key: await readFile(fixtures.ecKey),
        requestCert: true,
        rejectUnauthorized: false,
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const peer = once(server, 'secureConnection');
        const socket = tls.connect({
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          cert: input.certificatePem,
          key: input.keyPem,
          passphrase: input.passphrase,
          rejectUnauthorized: false,
        });
        const [serverSide] = (await peer) as [tls.TLSSocket];
        const presented = serverSide.getPeerX509Certificate();
        socket.destroy();
        serverSide.destroy();

        assert.ok(presented, 'the server received no client certificate');
        assert.equal(
          createHash('sha256').update(presented.raw).digest('base64url'),
          certificate.x5tS256,
        );
      } finally {
        server.close();
      }
    });

    it('bundle pair includes the CA in the chain', async () => {
      const scan = await scanCertificateFiles([fixtures.bundle]);
      const input = await clientCertificateInputFor(scan, `${fixtures.bundle}#0`);
      const chain =
        input.certificatePem.match(
          /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
        ) ?? [];
      const bundleText = await readFile(fixtures.bundle, 'utf8');

      assert.equal(chain.length, 2);
      assert.equal(new X509Certificate(chain[0]!).subject, 'O=Scan Test\nCN=bundled client');
      assert.equal(new X509Certificate(chain[1]!).subject, 'O=Scan Test\nCN=Scan Test CA');
      assert.ok(bundleText.includes(input.keyPem.trim()), 'the key is not the bundle block');
      assert.equal(loadClientCertificate(input).summary.subject, 'CN=bundled client,O=Scan Test');
    });

    it('DER certificate with an encrypted key', async () => {
      const scan = await scanCertificateFiles([
        fixtures.ecDerCertificate,
        fixtures.encryptedPkcs8Key,
      ]);
      const unlocked = await unlockEncryptedEntry(
        scan,
        `${fixtures.encryptedPkcs8Key}#0`,
        fixtures.passphrase,
      );
      const input = await clientCertificateInputFor(unlocked, `${fixtures.ecDerCertificate}#0`, {
        passphrase: fixtures.passphrase,
      });

      assert.equal(input.keySource, fixtures.encryptedPkcs8Key);
      assert.equal(input.passphrase, fixtures.passphrase);
      assert.equal(loadClientCertificate(input).summary.subject, 'CN=ec client,O=Scan Test');
    });

    it('certificate without a paired key', async () => {
      const scan = await scanCertificateFiles([fixtures.caCertificate]);
      const error = await rejection(clientCertificateInputFor(scan, `${fixtures.caCertificate}#0`));

      assert.equal(error.code, 'KEY_CERTIFICATE_MISMATCH');
      assert.ok(error.message.includes(fixtures.caCertificate), error.message);
    });

    it('PKCS#12 file read without its passphrase', async () => {
      const error = await rejection(
        readClientCertificateInput({
          certificateFile: fixtures.modernPkcs12,
          keyFile: fixtures.modernPkcs12,
        }),
      );

      assert.equal(error.code, 'KEY_PASSPHRASE_REQUIRED');
      assert.ok(error.message.includes(fixtures.modernPkcs12), error.message);
    });

    it('PKCS#12 file read by path with its passphrase', async () => {
      const input = await readClientCertificateInput({
        certificateFile: fixtures.modernPkcs12,
        keyFile: fixtures.modernPkcs12,
        passphrase: fixtures.passphrase,
      });

      assert.equal(loadClientCertificate(input).summary.subject, 'CN=ec client,O=Scan Test');
    });
  });

  describe('skipped files', () => {
    it('oversized file skipped', async () => {
      const big = path.join(scratch, 'big.pem');
      const certificate = await readFile(fixtures.rsaCertificate);
      await writeFile(big, Buffer.concat([certificate, Buffer.alloc(1024 * 1024, 0x0a)]));
      const scan = await scanCertificateFiles([big]);

      assert.equal(scan.certificates.length, 0);
      assert.equal(scan.counts.problems.tooLarge, 1);
      assert.equal(scan.problems[0]?.kind, 'tooLarge');
      assert.match(scan.problems[0]?.error.message ?? '', /than the 1\.0 MiB limit/);
    });

    it('maxFileBytes lowers the limit', async () => {
      const scan = await scanCertificateFiles([fixtures.rsaCertificate], { maxFileBytes: 512 });

      assert.equal(scan.certificates.length, 0);
      assert.equal(scan.counts.problems.tooLarge, 1);
    });

    it('reader that reports only a size', async () => {
      const scan = await scanCertificateFiles(['remote.pem'], {
        readFile: async () => ({ size: 5 * 1024 * 1024 }),
      });

      assert.equal(scan.counts.problems.tooLarge, 1);
      assert.match(scan.problems[0]?.error.message ?? '', /remote\.pem \(5\.0 MiB\)/);
    });

    it('non-certificate .pem files reported', async () => {
      const junk = path.join(scratch, 'notes.pem');
      await writeFile(junk, 'just some notes\n');
      const scan = await scanCertificateFiles([fixtures.publicKeyOnly, junk]);
      const messages = scan.problems.map((problem) => problem.error.message);

      assert.equal(scan.counts.problems.noCertificate, 2);
      assert.equal(scan.counts.filesWithEntries, 0);
      assert.ok(
        messages.some((message) => message.includes('only PUBLIC KEY blocks')),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((message) => message.includes('neither PEM, DER nor PKCS#12')),
        messages.join('\n'),
      );
    });

    it('unreadable files reported', async () => {
      const folder = path.join(scratch, 'folder.pem');
      await mkdir(folder, { recursive: true });
      const scan = await scanCertificateFiles([path.join(scratch, 'missing.pem'), folder]);

      assert.equal(scan.counts.problems.unreadable, 2);
      assert.ok(scan.problems.every((problem) => problem.error.code === 'INVALID_INPUT'));
    });

    it('invalid certificate block beside a valid one', async () => {
      const mixed = path.join(scratch, 'mixed.pem');
      const valid = await readFile(fixtures.ecCertificate, 'utf8');
      await writeFile(
        mixed,
        `-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${valid}`,
      );
      const scan = await scanCertificateFiles([mixed]);

      assert.equal(scan.counts.problems.invalid, 1);
      assert.equal(scan.problems[0]?.blockIndex, 0);
      assert.equal(scan.problems[0]?.error.code, 'CERTIFICATE_INVALID');
      assert.equal(certificateIn(scan, mixed, 1).subject, 'CN=ec client,O=Scan Test');
    });

    it('problem list is capped, counts are not', async () => {
      const files = new Map<string, string>();
      for (let i = 0; i < 250; i++) files.set(`junk-${i}.pem`, 'not a certificate');
      const scan = await scanCertificateFiles(files.keys(), {
        readFile: memoryReader(files),
        maxProblems: 10,
      });

      assert.equal(scan.counts.files, 250);
      assert.equal(scan.counts.problems.noCertificate, 250);
      assert.equal(scan.problems.length, 10);
      assert.equal(scan.counts.problemsNotListed, 240);
    });
  });

  describe('scheduling', () => {
    it('reads at most `concurrency` files at once', async () => {
      let reading = 0;
      let maxReading = 0;
      const files = Array.from({ length: 20 }, (_, i) => `file-${i}.pem`);
      const scan = await scanCertificateFiles(files, {
        concurrency: 3,
        readFile: async () => {
          reading++;
          maxReading = Math.max(maxReading, reading);
          await delay(5);
          reading--;
          return Buffer.from('not a certificate');
        },
      });

      assert.equal(scan.counts.files, 20);
      assert.equal(maxReading, 3);
    });

    it('yields to the event loop between files', async () => {
      const certificate = await readFile(fixtures.ecCertificate, 'utf8');
      const files = new Map<string, string>();
      for (let i = 0; i < 40; i++) files.set(`certificate-${i}.pem`, certificate);
      let filesDoneWhenTimerRan: number | undefined;
      let filesDone = 0;
      setImmediate(() => {
        filesDoneWhenTimerRan = filesDone;
      });
      const scan = await scanCertificateFiles(files.keys(), {
        readFile: memoryReader(files),
        onProgress: (counts) => {
          filesDone = counts.files;
        },
      });

      assert.equal(scan.certificates.length, 40);
      assert.notEqual(filesDoneWhenTimerRan, undefined);
      assert.ok(filesDoneWhenTimerRan! < 40, `the timer ran after ${filesDoneWhenTimerRan} files`);
    });

    it('signal aborted before the start', async () => {
      const controller = new AbortController();
      controller.abort();
      const error = await rejection(
        scanCertificateFiles([fixtures.ecCertificate], { signal: controller.signal }),
      );

      assert.equal(error.code, 'ABORTED');
    });

    it('abort during a scan stops it and closes the input', async () => {
      const controller = new AbortController();
      let reads = 0;
      let inputClosed = false;
      async function* input() {
        try {
          for (let i = 0; i < 100; i++) yield `file-${i}.pem`;
        } finally {
          inputClosed = true;
        }
      }
      const error = await rejection(
        scanCertificateFiles(input(), {
          signal: controller.signal,
          concurrency: 2,
          readFile: async () => {
            reads++;
            if (reads === 5) controller.abort();
            return Buffer.from('not a certificate');
          },
        }),
      );

      assert.equal(error.code, 'ABORTED');
      assert.ok(reads < 10, `${reads} files were read after the abort`);
      assert.equal(inputClosed, true);
    });
  });

  describe('walkForCertificateFiles', () => {
    it('yields certificate files and skips excluded folders', async () => {
      const root = path.join(scratch, 'walk');
      const files = [
        'a/client.pem',
        'a/b/store.P12',
        'node_modules/package/test.pem',
        '.git/objects/x.pem',
        'skip/old.key',
        'readme.txt',
      ];
      for (const file of files) {
        await mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await writeFile(path.join(root, file), '');
      }
      const collect = async (iterable: AsyncIterable<string>) => {
        const found: string[] = [];
        for await (const file of iterable) found.push(path.relative(root, file));
        return found.sort();
      };

      assert.deepEqual(await collect(walkForCertificateFiles(root)), [
        path.join('a', 'b', 'store.P12'),
        path.join('a', 'client.pem'),
        path.join('skip', 'old.key'),
      ]);
      assert.deepEqual(
        await collect(walkForCertificateFiles(root, { exclude: ['**/skip', '.git', 'a/**'] })),
        [path.join('node_modules', 'package', 'test.pem')],
      );

      // Globs that can only match the last segment are tested against the entry name.
      assert.deepEqual(await collect(walkForCertificateFiles(root, { exclude: ['**/*.key'] })), [
        path.join('.git', 'objects', 'x.pem'),
        path.join('a', 'b', 'store.P12'),
        path.join('a', 'client.pem'),
        path.join('node_modules', 'package', 'test.pem'),
      ]);
      assert.deepEqual(
        await collect(walkForCertificateFiles(root, { exclude: ['**/{b,skip}', '**/.git'] })),
        [path.join('a', 'client.pem'), path.join('node_modules', 'package', 'test.pem')],
      );
      assert.deepEqual(await collect(walkForCertificateFiles(root, { exclude: [] })), [
        path.join('.git', 'objects', 'x.pem'),
        path.join('a', 'b', 'store.P12'),
        path.join('a', 'client.pem'),
        path.join('node_modules', 'package', 'test.pem'),
        path.join('skip', 'old.key'),
      ]);
    });

    it('walker stopped early closes its folders', async () => {
      const root = path.join(scratch, 'walk-stopped');
      for (const file of ['x/y/one.pem', 'x/two.pem']) {
        await mkdir(path.dirname(path.join(root, file)), { recursive: true });
        await writeFile(path.join(root, file), '');
      }
      const walk = walkForCertificateFiles(root, { exclude: [] });
      const first = await walk.next();
      assert.equal(first.done, false);
      const last = await walk.return(undefined);
      assert.equal(last.done, true);
    });

    const globCases: [string, string, boolean][] = [
      ['**/node_modules', 'node_modules', true],
      ['**/node_modules', 'a/b/node_modules', true],
      ['**/node_modules', 'a/node_modules_old', false],
      ['**/*.{pem,key}', 'a/b/client.key', true],
      ['**/*.{pem,key}', 'a/b/client.crt', false],
      ['*.pem', 'a/client.pem', false],
      ['a/?.pem', 'a/x.pem', true],
      ['[ab].pem', 'c.pem', false],
      ['[!ab].pem', 'c.pem', true],
      ['**/build/**', 'x/build/y/z.pem', true],
      ['secrets.(old)', 'secrets.(old)', true],
    ];
    for (const [glob, file, expected] of globCases) {
      it(`glob ${glob} ${expected ? 'matches' : 'does not match'} ${file}`, () => {
        assert.equal(globToRegExp(glob).test(file), expected);
      });
    }

    it('walker and scan over the fixture folder', async () => {
      const scan = await scanCertificateFiles(walkForCertificateFiles(fixtures.directory));

      assert.equal(scan.certificates.length, 12);
      assert.equal(scan.keys.length, 10);
      assert.deepEqual(
        scan.encrypted.map((entry) => path.basename(entry.file)),
        [
          'ec-encrypted.key',
          'ec-modern.p12',
          'ec-sha512-mac.p12',
          'rsa-legacy-encrypted.key',
          'rsa-legacy.pfx',
        ],
      );
      assert.deepEqual(
        scan.problems.map((problem) => [problem.kind, path.basename(problem.file)]),
        [['noCertificate', 'public-key-only.pem']],
      );
      assert.ok(isExplorerError(scan.problems[0]?.error, 'CERTIFICATE_INVALID'));
    });
  });
});
