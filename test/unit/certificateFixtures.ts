import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { runOpenssl } from '../server/certificates';

export { runOpenssl };

// Certificates and keys for the certificate scan tests, made with the `openssl` command
// (OpenSSL 3.0 or later) in a fresh folder. The file names of the misnamed pair are wrong on
// purpose: the scan must pair by public key.

const OPENSSL_CONFIG = `# Written by the certificate scan tests. Each run overwrites it.
[req]
distinguished_name = req_distinguished_name
prompt = no

[req_distinguished_name]
CN = unused

[ca_extensions]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[client_extensions]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = DNS:client.example, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# "openssl ca" is the OpenSSL 3.0 command that accepts explicit start and end dates.
[ca]
default_ca = test_ca

[test_ca]
database = openssl-ca/index.txt
new_certs_dir = openssl-ca
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none

[policy_any]
commonName = supplied
organizationName = optional
`;

/** Paths of the generated files, relative names given in comments. */
export interface CertificateFixtures {
  directory: string;
  /** Passphrase of every encrypted key and PKCS#12 file. */
  passphrase: string;
  /** CA certificate (`ca.pem`) and key (`ca.key`), EC P-256. */
  caCertificate: string;
  /** RSA 2048 client certificate signed by the CA, subject `CN=rsa client,O=Scan Test`. */
  rsaCertificate: string;
  rsaKey: string;
  /** EC P-256 self-signed certificate. */
  ecCertificate: string;
  ecKey: string;
  /** Ed25519 self-signed certificate. */
  ed25519Certificate: string;
  ed25519Key: string;
  /** The EC certificate in DER form, `.cer`. */
  ecDerCertificate: string;
  /** PEM bundle: client certificate, CA certificate, then the client's unencrypted key. */
  bundle: string;
  /** Certificate of the pair whose file names point at each other's algorithm. */
  misnamedCertificate: string;
  misnamedKey: string;
  /** The EC key as PKCS#8 encrypted with AES-256-CBC (`ENCRYPTED PRIVATE KEY`). */
  encryptedPkcs8Key: string;
  /** The RSA key as traditional PEM with `Proc-Type: 4,ENCRYPTED` (AES-256-CBC). */
  legacyEncryptedKey: string;
  /** PKCS#12 of the EC certificate and key with OpenSSL 3's defaults (PBES2, AES-256). */
  modernPkcs12: string;
  /** PKCS#12 of the EC certificate and key with a SHA-512 MAC. */
  sha512MacPkcs12: string;
  /** PKCS#12 of the RSA certificate and key made with `-legacy` (RC2-40 and 3DES). */
  legacyPkcs12: string;
  /** PKCS#12 of the Ed25519 certificate and key with an empty passphrase. */
  unprotectedPkcs12: string;
  /** Client certificate signed by the CA, valid only in 2020. */
  expiredCertificate: string;
  /** Client certificate signed by the CA, valid only from 2040 to 2041. */
  notYetValidCertificate: string;
  /** A `.pem` file with only a PUBLIC KEY block. */
  publicKeyOnly: string;
}

const openssl = runOpenssl;

/** The environment variable that carries the passphrase, so no process list shows it. */
export const PASSPHRASE_VARIABLE = 'CERTIFICATE_SCAN_TEST_PASSPHRASE';

const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

async function selfSigned(
  directory: string,
  name: string,
  subject: string,
  keyOptions: string[],
): Promise<void> {
  await openssl(directory, [
    'req',
    '-config',
    'openssl.cnf',
    '-x509',
    '-new',
    ...keyOptions,
    '-noenc',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    '30',
    '-subj',
    subject,
    '-extensions',
    'client_extensions',
  ]);
}

async function signedByCa(
  directory: string,
  name: string,
  subject: string,
  keyOptions: string[],
): Promise<void> {
  await openssl(directory, [
    'req',
    '-config',
    'openssl.cnf',
    '-new',
    ...keyOptions,
    '-noenc',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
  await openssl(directory, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-days',
    '30',
    '-sha256',
    '-extfile',
    'openssl.cnf',
    '-extensions',
    'client_extensions',
    '-out',
    `${name}.pem`,
  ]);
}

/** Signs a new EC request with the CA for a fixed period, given as `YYYYMMDDHHMMSSZ`. */
async function signedForPeriod(
  directory: string,
  name: string,
  startDate: string,
  endDate: string,
): Promise<void> {
  await openssl(directory, [
    'req',
    '-config',
    'openssl.cnf',
    '-new',
    ...EC_P256,
    '-noenc',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/O=Scan Test/CN=${name}`,
  ]);
  // Each signing gets its own CA database, because these run at the same time.
  const database = `openssl-ca-${name}`;
  await mkdir(path.join(directory, database), { recursive: true });
  await writeFile(path.join(directory, database, 'index.txt'), '');
  const config = OPENSSL_CONFIG.replaceAll('openssl-ca', database);
  await writeFile(path.join(directory, `${name}.cnf`), config);
  await openssl(directory, [
    'ca',
    '-config',
    `${name}.cnf`,
    '-batch',
    '-notext',
    '-preserveDN',
    '-cert',
    'ca.pem',
    '-keyfile',
    'ca.key',
    '-startdate',
    startDate,
    '-enddate',
    endDate,
    '-extensions',
    'client_extensions',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
  ]);
  await rm(path.join(directory, database), { recursive: true, force: true });
}

async function pkcs12(
  directory: string,
  name: string,
  output: string,
  extraOptions: string[],
  passphrase: string,
): Promise<void> {
  await openssl(
    directory,
    [
      'pkcs12',
      '-export',
      '-in',
      `${name}.pem`,
      '-inkey',
      `${name}.key`,
      '-name',
      `${name} friendly name`,
      '-out',
      output,
      '-passout',
      passphrase ? `env:${PASSPHRASE_VARIABLE}` : 'pass:',
      ...extraOptions,
    ],
    { [PASSPHRASE_VARIABLE]: passphrase },
  );
}

async function concatenate(directory: string, output: string, inputs: string[]): Promise<void> {
  const parts = await Promise.all(inputs.map((input) => readFile(path.join(directory, input))));
  await writeFile(path.join(directory, output), Buffer.concat(parts));
}

/** Generates every fixture into `directory`, which is created or emptied first. */
export async function generateCertificateFixtures(directory: string): Promise<CertificateFixtures> {
  const root = path.resolve(directory);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, 'openssl.cnf'), OPENSSL_CONFIG);
  const passphrase = randomBytes(18).toString('base64url');
  const withPassphrase = { [PASSPHRASE_VARIABLE]: passphrase };

  await openssl(root, [
    'req',
    '-config',
    'openssl.cnf',
    '-x509',
    '-new',
    ...EC_P256,
    '-noenc',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '30',
    '-subj',
    '/O=Scan Test/CN=Scan Test CA',
    '-extensions',
    'ca_extensions',
  ]);

  await Promise.all([
    signedByCa(root, 'rsa', '/O=Scan Test/CN=rsa client', ['-newkey', 'rsa:2048']),
    selfSigned(root, 'ec', '/O=Scan Test/CN=ec client', EC_P256),
    selfSigned(root, 'ed25519', '/O=Scan Test/CN=ed25519 client', ['-newkey', 'ed25519']),
    signedByCa(root, 'bundled', '/O=Scan Test/CN=bundled client', EC_P256),
    selfSigned(root, 'misnamed', '/O=Scan Test/CN=misnamed client', EC_P256),
    signedForPeriod(root, 'expired', '20200101000000Z', '20201231000000Z'),
    signedForPeriod(root, 'not-yet-valid', '20400101000000Z', '20410101000000Z'),
  ]);

  await Promise.all([
    openssl(root, ['x509', '-in', 'ec.pem', '-outform', 'DER', '-out', 'ec-der.cer']),
    concatenate(root, 'bundle.pem', ['bundled.pem', 'ca.pem', 'bundled.key']),
    openssl(
      root,
      [
        'pkcs8',
        '-topk8',
        '-v2',
        'aes-256-cbc',
        '-in',
        'ec.key',
        '-out',
        'ec-encrypted.key',
        '-passout',
        `env:${PASSPHRASE_VARIABLE}`,
      ],
      withPassphrase,
    ),
    openssl(
      root,
      [
        'rsa',
        '-in',
        'rsa.key',
        '-aes256',
        '-traditional',
        '-out',
        'rsa-legacy-encrypted.key',
        '-passout',
        `env:${PASSPHRASE_VARIABLE}`,
      ],
      withPassphrase,
    ),
    pkcs12(root, 'ec', 'ec-modern.p12', [], passphrase),
    pkcs12(root, 'ec', 'ec-sha512-mac.p12', ['-macalg', 'sha512'], passphrase),
    pkcs12(root, 'rsa', 'rsa-legacy.pfx', ['-legacy'], passphrase),
    pkcs12(root, 'ed25519', 'ed25519-unprotected.p12', [], ''),
    openssl(root, ['pkey', '-in', 'ec.key', '-pubout', '-out', 'public-key-only.pem']),
  ]);

  // The misnamed pair: an EC certificate in "rsa-client.crt" and its key in "other-rsa.key".
  await concatenate(root, 'rsa-client.crt', ['misnamed.pem']);
  await concatenate(root, 'other-rsa.key', ['misnamed.key']);
  const leftOver = ['misnamed.pem', 'misnamed.key', 'rsa.csr', 'bundled.csr', 'expired.csr'];
  leftOver.push('not-yet-valid.csr');
  await Promise.all(leftOver.map((name) => rm(path.join(root, name), { force: true })));

  const file = (name: string) => path.join(root, name);
  return {
    directory: root,
    passphrase,
    caCertificate: file('ca.pem'),
    rsaCertificate: file('rsa.pem'),
    rsaKey: file('rsa.key'),
    ecCertificate: file('ec.pem'),
    ecKey: file('ec.key'),
    ed25519Certificate: file('ed25519.pem'),
    ed25519Key: file('ed25519.key'),
    ecDerCertificate: file('ec-der.cer'),
    bundle: file('bundle.pem'),
    misnamedCertificate: file('rsa-client.crt'),
    misnamedKey: file('other-rsa.key'),
    encryptedPkcs8Key: file('ec-encrypted.key'),
    legacyEncryptedKey: file('rsa-legacy-encrypted.key'),
    modernPkcs12: file('ec-modern.p12'),
    sha512MacPkcs12: file('ec-sha512-mac.p12'),
    legacyPkcs12: file('rsa-legacy.pfx'),
    unprotectedPkcs12: file('ed25519-unprotected.p12'),
    expiredCertificate: file('expired.pem'),
    notYetValidCertificate: file('not-yet-valid.pem'),
    publicKeyOnly: file('public-key-only.pem'),
  };
}
