import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  addServerEntry,
  CLIENT_MEMBERS,
  entryPath,
  locatePath,
  parseConfig,
  removeClientEntry,
  removeServerEntry,
  SERVER_MEMBERS,
  updateServerEntry,
  upsertClientEntry,
  validateIssuer,
  type ServerConfig,
} from '../../src/config/serverConfig';
import { CLIENT_AUTH_METHODS } from '../../src/engine/clientAuthMethods';

const FILE = `{
  // Servers of the team.
  "servers": [
    {
      "id": "bank",
      "label": "Bank sandbox",
      "issuer": "https://auth.example.com",
      "x-owner": "payments team",
      "clients": [
        {
          "client_id": "app",
          "token_endpoint_auth_method": "tls_client_auth",
          "certificateFile": "certs/client.pem", // issued in 2026
          "keyFile": "certs/client.key",
          "x-note": "keep"
        }
      ]
    }
  ]
}
`;

const schema = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../media/oauth-explorer.schema.json'), 'utf8'),
) as {
  definitions: Record<string, { properties: Record<string, { enum?: string[] }> }>;
};

describe('server configuration', () => {
  describe('parsing', () => {
    it('valid file without problems', () => {
      const parsed = parseConfig(FILE);
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.servers.length, 1);
      assert.equal(parsed.servers[0]!.clients[0]!.certificateFile, 'certs/client.pem');
    });

    it('invalid method reported with path', () => {
      const parsed = parseConfig(FILE.replace('"tls_client_auth"', '"mtls"'));
      assert.equal(parsed.problems.length, 1);
      const [problem] = parsed.problems;
      assert.equal(problem!.path, 'servers[0].clients[0].token_endpoint_auth_method');
      assert.equal(problem!.line, 12);
      assert.equal(problem!.severity, 'error');
      assert.match(problem!.message, /"mtls" is not one of tls_client_auth/);
      assert.equal(parsed.servers[0]!.clients.length, 0);
    });

    it('syntax error reported with line', () => {
      const broken = FILE.replace('"label": "Bank sandbox",', '"label": "Bank sandbox",,');
      const parsed = parseConfig(broken);
      assert.equal(parsed.servers.length, 0);
      assert.match(parsed.problems[0]!.message, /^Invalid JSON/);
      assert.equal(parsed.problems[0]!.line, 6);
      assert.equal(typeof parsed.problems[0]!.offset, 'number');
    });

    it('secret member only warned about', () => {
      const withSecret = FILE.replace('"x-note": "keep"', '"client_secret": "s3cr3t"');
      const parsed = parseConfig(withSecret);
      assert.equal(parsed.problems.length, 1);
      assert.equal(parsed.problems[0]!.severity, 'warning');
      assert.equal(parsed.problems[0]!.path, 'servers[0].clients[0].client_secret');
      assert.equal(parsed.servers[0]!.clients.length, 1);
    });

    it('issuer must be https', () => {
      const cases: [string, boolean][] = [
        ['https://auth.example.com', true],
        ['https://auth.example.com/tenant', true],
        ['http://auth.example.com', false],
        ['https://auth.example.com?x=1', false],
        ['not a url', false],
      ];
      for (const [issuer, valid] of cases) {
        assert.equal(validateIssuer(issuer) === undefined, valid, issuer);
      }
      const parsed = parseConfig(
        FILE.replace('https://auth.example.com', 'http://auth.example.com'),
      );
      assert.equal(parsed.problems[0]!.path, 'servers[0].issuer');
    });

    it('missing issuer points at the server', () => {
      const parsed = parseConfig('{ "servers": [ { "label": "x" } ] }');
      assert.equal(parsed.problems[0]!.path, 'servers[0].issuer');
      assert.equal(parsed.problems[0]!.offset, 15);
    });
  });

  describe('editing', () => {
    it('server edit keeps comments and unknown keys', () => {
      const edited = updateServerEntry(FILE, 'bank', { label: 'Bank production' });
      assert.equal(edited, FILE.replace('Bank sandbox', 'Bank production'));
    });

    it('undefined member is removed', () => {
      const edited = updateServerEntry(FILE, 'bank', { label: undefined });
      assert.ok(!edited.includes('"label"'));
      assert.ok(edited.includes('"x-owner": "payments team"'));
      assert.ok(edited.includes('// Servers of the team.'));
    });

    it('client edited in place', () => {
      const parsed = parseConfig(FILE).servers[0]!.clients[0]!;
      const edited = upsertClientEntry(FILE, 'bank', {
        ...parsed,
        keyFile: 'certs/new.key',
        scope: 'openid',
      });
      assert.ok(edited.includes('"keyFile": "certs/new.key"'));
      assert.ok(edited.includes('"scope": "openid"'));
      assert.ok(edited.includes('// issued in 2026'), 'the comment on another member was lost');
      assert.ok(edited.includes('"x-note": "keep"'));
      assert.equal(parseConfig(edited).servers[0]!.clients.length, 1);
    });

    it('renamed client replaces the old entry', () => {
      const parsed = parseConfig(FILE).servers[0]!.clients[0]!;
      const edited = upsertClientEntry(FILE, 'bank', { ...parsed, client_id: 'app-2' }, 'app');
      const clients = parseConfig(edited).servers[0]!.clients;
      assert.deepEqual(
        clients.map((client) => client.client_id),
        ['app-2'],
      );
    });

    it('new client appended', () => {
      const edited = upsertClientEntry(FILE, 'bank', {
        client_id: 'public',
        token_endpoint_auth_method: 'none',
      });
      const clients = parseConfig(edited).servers[0]!.clients;
      assert.deepEqual(
        clients.map((client) => client.client_id),
        ['app', 'public'],
      );
    });

    it('client and server removed', () => {
      const withoutClient = removeClientEntry(FILE, 'bank', 'app');
      assert.equal(parseConfig(withoutClient).servers[0]!.clients.length, 0);
      assert.ok(withoutClient.includes('// Servers of the team.'));
      const withoutServer = removeServerEntry(FILE, 'bank');
      assert.equal(parseConfig(withoutServer).servers.length, 0);
      assert.equal(removeServerEntry(FILE, 'unknown'), FILE);
    });

    it('server added to empty text', () => {
      const server: ServerConfig = {
        id: 'new',
        issuer: 'https://new.example',
        label: undefined,
        clients: [],
      };
      const text = addServerEntry('', server);
      const parsed = parseConfig(text);
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.servers[0]!.issuer, 'https://new.example');
      assert.ok(!text.includes('label'), 'an undefined member was written');
      assert.throws(() => addServerEntry(text, server), /already in the file/);
    });

    it('entry path and location', () => {
      assert.deepEqual(entryPath(FILE, 'bank', 'app'), ['servers', 0, 'clients', 0]);
      assert.equal(entryPath(FILE, 'bank', 'other'), undefined);
      const location = locatePath(FILE, ['servers', 0, 'clients', 0, 'keyFile']);
      assert.equal(location?.line, 14);
      assert.equal(
        FILE.slice(location!.offset, location!.offset + location!.length),
        '"certs/client.key"',
      );
    });
  });

  describe('schema', () => {
    it('lists every client member', () => {
      const properties = Object.keys(schema.definitions.client!.properties);
      for (const member of CLIENT_MEMBERS) assert.ok(properties.includes(member), member);
    });

    it('lists every server member', () => {
      const properties = Object.keys(schema.definitions.server!.properties);
      for (const member of [...SERVER_MEMBERS, 'clients']) {
        assert.ok(properties.includes(member), member);
      }
    });

    it('methods match the parser', () => {
      const methods = schema.definitions.client!.properties.token_endpoint_auth_method!.enum;
      assert.deepEqual(methods, [...CLIENT_AUTH_METHODS]);
    });
  });
});
