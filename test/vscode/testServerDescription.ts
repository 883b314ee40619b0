/**
 * What the runner tells the suite inside VS Code about the test server it started, through the
 * environment variable OAUTH_EXPLORER_TEST_SERVER (JSON). The values are generated per run.
 */
export interface TestServerDescription {
  issuer: string;
  mtlsOrigin: string;
  caFile: string;
  tlsClient: { clientId: string; certificateFile: string; keyFile: string; thumbprint: string };
  secretClient: { clientId: string; clientSecret: string };
  /** A CA-signed client certificate whose validity ended in the past, and its key. */
  expiredCertificate: { certificateFile: string; keyFile: string };
}
