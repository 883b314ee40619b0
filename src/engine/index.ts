// The engine: discovery, routing, flows, tokens and the recording HTTP client. Nothing here
// imports `vscode`, so all of it runs and is tested in plain Node.
export * from './agentPool';
export * from './authorizationCode';
export * from './certificateScan';
export * from './clientAuth';
export * from './credentials';
export * from './curlScript';
export * from './discovery';
export * from './errors';
export * from './exchange';
export * from './flowRun';
export * from './flows';
export * from './httpClient';
export * from './loopback';
export * from './metadata';
export * from './redaction';
export * from './routing';
export * from './tokens';
