import { execFile } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Subject of the CA-signed client certificate, in RFC 4514 order (last RDN first). */
export const CLIENT_SUBJECT_DN = 'CN=client,O=OAuth Explorer Test';

/** The same subject in OpenSSL's `-subj` form, which lists RDNs in certificate order. */
const CLIENT_SUBJECT_OPENSSL = '/O=OAuth Explorer Test/CN=client';

const VALIDITY_DAYS = '365';

export interface CertificateFiles {
  /** Absolute path of the PEM certificate. */
  certificate: string;
  /** Absolute path of the unencrypted PKCS#8 PEM private key. */
  key: string;
}

export interface ClientCertificateFiles extends CertificateFiles {
  /** `x5t#S256`: base64url (no padding) of the SHA-256 of the certificate's DER. */
  thumbprint: string;
  /** Subject DN in RFC 4514 order. */
  subject: string;
}

export interface TestCertificates {
  /** Absolute path of the folder that contains every file below. */
  directory: string;
  /** The test CA, which the mTLS listener trusts. */
  ca: CertificateFiles;
  /** Server certificate for DNS:localhost and IP:127.0.0.1, signed by the test CA. */
  server: CertificateFiles;
  /** Client certificate signed by the test CA, with subject {@link CLIENT_SUBJECT_DN}. */
  client: ClientCertificateFiles & {
    /** The client key as encrypted PKCS#8 PEM (PBES2, AES-256-CBC). */
    encryptedKey: string;
    /** Passphrase of `encryptedKey`. */
    passphrase: string;
  };
  /** Self-signed client certificate, not issued by any CA. */
  selfSignedClient: ClientCertificateFiles;
  /** A second CA that the server does not trust. */
  unknownCa: CertificateFiles;
  /** Client certificate with the client's subject, signed by the untrusted CA. */
  unknownCaClient: ClientCertificateFiles;
  /** Client certificate with the client's subject, signed by the test CA, valid only in 2020. */
  expiredClient: ClientCertificateFiles;
  /** Absolute path of an EC P-256 key that matches none of the certificates. */
  wrongKey: string;
}

const OPENSSL_CONFIG = `# Written by the OAuth Explorer test server. Each run overwrites it.
[req]
distinguished_name = req_distinguished_name
prompt = no

[req_distinguished_name]
CN = unused

[ca_extensions]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_extensions]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[client_extensions]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[self_signed_client_extensions]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash

# Used only for the expired certificate, because "openssl ca" is the OpenSSL 3.0 command that
# accepts an explicit start and end date.
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

/**
 * Runs `openssl` in `directory` and returns its standard output. Throws an Error with its stderr
 * when it exits non-zero.
 */
export async function runOpenssl(
  directory: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  try {
    const { stdout } = await execFileAsync('openssl', args, {
      cwd: directory,
      env: { ...process.env, ...env },
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim() ?? '';
    throw new Error(
      `openssl ${args.join(' ')} failed in ${directory}: ${stderr || String(error)}`,
      {
        cause: error,
      },
    );
  }
}

const openssl = runOpenssl;

const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc'];

async function createSelfSigned(
  directory: string,
  name: string,
  subject: string,
  extensions: string,
): Promise<void> {
  await openssl(directory, [
    'req',
    '-config',
    'openssl.cnf',
    '-x509',
    '-new',
    ...EC_P256,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.pem`,
    '-days',
    VALIDITY_DAYS,
    '-subj',
    subject,
    '-extensions',
    extensions,
  ]);
}

async function createRequest(directory: string, name: string, subject: string): Promise<void> {
  await openssl(directory, [
    'req',
    '-config',
    'openssl.cnf',
    '-new',
    ...EC_P256,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  ]);
}

async function signRequest(
  directory: string,
  name: string,
  ca: string,
  extensions: string,
): Promise<void> {
  await openssl(directory, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.pem`,
    '-CAkey',
    `${ca}.key`,
    '-days',
    VALIDITY_DAYS,
    '-sha256',
    '-extfile',
    'openssl.cnf',
    '-extensions',
    extensions,
    '-out',
    `${name}.pem`,
  ]);
}

async function signExpiredRequest(directory: string, name: string, ca: string): Promise<void> {
  await mkdir(path.join(directory, 'openssl-ca'), { recursive: true });
  await writeFile(path.join(directory, 'openssl-ca', 'index.txt'), '');
  await openssl(directory, [
    'ca',
    '-config',
    'openssl.cnf',
    '-batch',
    '-notext',
    // Keeps the RDN order of the request, because the policy section would reorder it.
    '-preserveDN',
    '-cert',
    `${ca}.pem`,
    '-keyfile',
    `${ca}.key`,
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20201231000000Z',
    '-extensions',
    'client_extensions',
    '-in',
    `${name}.csr`,
    '-out',
    `${name}.pem`,
  ]);
  // The CA database only serves this one signing.
  await rm(path.join(directory, 'openssl-ca'), { recursive: true, force: true });
}

async function encryptKey(
  directory: string,
  name: string,
  output: string,
  passphrase: string,
): Promise<void> {
  // The passphrase goes through the environment so that it never shows up in a process list.
  await openssl(
    directory,
    [
      'pkcs8',
      '-topk8',
      '-v2',
      'aes-256-cbc',
      '-in',
      `${name}.key`,
      '-out',
      output,
      '-passout',
      'env:OAUTH_EXPLORER_TEST_KEY_PASSPHRASE',
    ],
    { OAUTH_EXPLORER_TEST_KEY_PASSPHRASE: passphrase },
  );
}

/** Computes `x5t#S256` of a PEM certificate file. */
export async function certificateThumbprint(certificateFile: string): Promise<string> {
  const certificate = new X509Certificate(await readFile(certificateFile));
  return createHash('sha256').update(certificate.raw).digest('base64url');
}

async function describeClient(
  directory: string,
  name: string,
  subject: string,
): Promise<ClientCertificateFiles> {
  const certificate = path.join(directory, `${name}.pem`);
  return {
    certificate,
    key: path.join(directory, `${name}.key`),
    thumbprint: await certificateThumbprint(certificate),
    subject,
  };
}

/**
 * Generates the test PKI into `directory` with the `openssl` command (OpenSSL 3.0 or later), EC
 * P-256 throughout. Existing files of the same names are overwritten.
 */
export async function generateTestCertificates(directory: string): Promise<TestCertificates> {
  const root = path.resolve(directory);
  await mkdir(root, { recursive: true });
  await writeFile(path.join(root, 'openssl.cnf'), OPENSSL_CONFIG);

  // Keys, requests and self-signed certificates do not depend on each other.
  await Promise.all([
    createSelfSigned(
      root,
      'ca',
      '/O=OAuth Explorer Test/CN=OAuth Explorer Test CA',
      'ca_extensions',
    ),
    createSelfSigned(root, 'unknown-ca', '/O=Unknown Test CA/CN=Unknown Test CA', 'ca_extensions'),
    createSelfSigned(
      root,
      'self-signed-client',
      '/O=OAuth Explorer Test/CN=self-signed client',
      'self_signed_client_extensions',
    ),
    createRequest(root, 'server', '/O=OAuth Explorer Test/CN=localhost'),
    createRequest(root, 'client', CLIENT_SUBJECT_OPENSSL),
    createRequest(root, 'unknown-ca-client', CLIENT_SUBJECT_OPENSSL),
    createRequest(root, 'expired-client', CLIENT_SUBJECT_OPENSSL),
    openssl(root, [
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      'wrong-key.key',
    ]),
  ]);

  const passphrase = randomBytes(24).toString('base64url');
  await Promise.all([
    signRequest(root, 'server', 'ca', 'server_extensions'),
    signRequest(root, 'client', 'ca', 'client_extensions'),
    signRequest(root, 'unknown-ca-client', 'unknown-ca', 'client_extensions'),
    signExpiredRequest(root, 'expired-client', 'ca'),
    encryptKey(root, 'client', 'client.encrypted.key', passphrase),
  ]);

  await Promise.all(
    ['server', 'client', 'unknown-ca-client', 'expired-client'].map((name) =>
      rm(path.join(root, `${name}.csr`), { force: true }),
    ),
  );

  const client = await describeClient(root, 'client', CLIENT_SUBJECT_DN);
  return {
    directory: root,
    ca: { certificate: path.join(root, 'ca.pem'), key: path.join(root, 'ca.key') },
    server: { certificate: path.join(root, 'server.pem'), key: path.join(root, 'server.key') },
    client: {
      ...client,
      encryptedKey: path.join(root, 'client.encrypted.key'),
      passphrase,
    },
    selfSignedClient: await describeClient(
      root,
      'self-signed-client',
      'CN=self-signed client,O=OAuth Explorer Test',
    ),
    unknownCa: {
      certificate: path.join(root, 'unknown-ca.pem'),
      key: path.join(root, 'unknown-ca.key'),
    },
    unknownCaClient: await describeClient(root, 'unknown-ca-client', CLIENT_SUBJECT_DN),
    expiredClient: await describeClient(root, 'expired-client', CLIENT_SUBJECT_DN),
    wrongKey: path.join(root, 'wrong-key.key'),
  };
}
