/**
 * The Certificates view: what the host's scan of the workspace found. Each certificate shows its
 * names, validity, key, thumbprint and file, and whether a private key with the same public key
 * was found. Encrypted keys and PKCS#12 files get an Unlock action; the host prompts for
 * the passphrase, so it never reaches this page.
 */
import type { ScannedCertificate, ScannedKey } from '../src/engine/certificateFile';
import type {
  CertificateScanStatus,
  CertificateScanView,
  EncryptedEntryView,
} from '../src/shared/inspectorProtocol';
import { append, button, h, type Child } from './dom';
import { formatRelative, formatTimestamp } from './format';

/** A short text shown next to an entry's actions. */
export interface Notice {
  text: string;
  error: boolean;
}

export interface CertificatesViewOptions {
  rescan(): void;
  /** Asks the host to unlock an entry; resolves with a notice to show next to it, if any. */
  unlock(entryId: string): Promise<Notice | undefined>;
  /** Offers a certificate to the certificate selection command; resolves like `unlock`. */
  use(certificateId: string): Promise<Notice | undefined>;
  copy(text: string, what: string): void;
}

function fact(term: string, value: Child): HTMLElement[] {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function position(file: string, blockIndex: number | undefined): string {
  return blockIndex ? `${file} (block ${blockIndex + 1})` : file;
}

function validityTag(certificate: ScannedCertificate): HTMLElement {
  switch (certificate.validity) {
    case 'expired':
      return h('span', { class: 'tag validity expired' }, 'Expired');
    case 'notYetValid':
      return h('span', { class: 'tag validity not-yet-valid' }, 'Not yet valid');
    default:
      return h('span', { class: 'tag validity valid' }, 'Valid');
  }
}

function dateValue(iso: string, now: number): Child {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return h(
    'time',
    { datetime: new Date(time).toISOString() },
    `${formatTimestamp(iso)} (${formatRelative(time, now)})`,
  );
}

function keySection(scan: CertificateScanView): Child[] {
  const unpaired = scan.keys.filter((key) => key.certificateIds.length === 0);
  if (unpaired.length === 0) return [];
  const items = unpaired.map((key) =>
    h(
      'li',
      { class: 'key', 'data-key-id': key.id },
      `${key.publicKey.label} · `,
      h('code', {}, position(key.file, key.blockIndex)),
    ),
  );
  return [h('h3', {}, 'Private keys without a certificate'), h('ul', { class: 'keys' }, ...items)];
}

function problemSection(scan: CertificateScanView): Child {
  if (scan.problems.length === 0) return null;
  const total = scan.problems.length + scan.counts.problemsNotListed;
  const items = scan.problems.map((problem) =>
    h(
      'li',
      {},
      h('code', {}, position(problem.file, problem.blockIndex)),
      `: ${problem.error.message}`,
    ),
  );
  return h(
    'details',
    { class: 'scan-problems' },
    h('summary', {}, `${total} files or blocks could not be used`),
    h('ul', {}, ...items),
  );
}

export class CertificatesView {
  readonly element: HTMLElement;
  private readonly statusLine = h('div', { class: 'scan-status', role: 'status' });
  private readonly content = h('div', { class: 'certificate-list' });
  /** Messages next to an entry's action, by entry id, kept across re-renders. */
  private readonly notices = new Map<string, Notice>();

  constructor(private readonly options: CertificatesViewOptions) {
    const header = h(
      'div',
      { class: 'view-header' },
      h('h2', {}, 'Certificates'),
      button('Rescan', () => options.rescan(), {
        label: 'Scan the workspace for certificates again',
      }),
    );
    this.element = h(
      'section',
      { class: 'certificates-view', 'aria-label': 'Certificates' },
      header,
      this.statusLine,
      this.content,
    );
  }

  render(status: CertificateScanStatus | undefined, now = Date.now()): void {
    if (!status) {
      this.statusLine.replaceChildren(h('p', { class: 'note' }, 'No scan yet.'));
      return;
    }
    switch (status.state) {
      case 'scanning':
        this.renderProgress(status.filesRead, status.filesFound);
        return;
      case 'failed':
      case 'unavailable':
        this.statusLine.replaceChildren(h('p', { class: 'scan-error' }, status.message));
        this.content.replaceChildren();
        return;
      case 'done':
        this.renderScan(status.scan, now);
        return;
    }
  }

  private renderProgress(read: number, found: number | undefined): void {
    const text =
      found === undefined
        ? 'Looking for certificate files…'
        : `Reading certificate files: ${read} of ${found}.`;
    const progress = h('progress', { max: found ?? 1, 'aria-label': 'Scan progress' });
    if (found !== undefined) (progress as HTMLProgressElement).value = read;
    this.statusLine.replaceChildren(h('p', {}, text), progress);
  }

  private renderScan(scan: CertificateScanView, now: number): void {
    const summary = `Found ${scan.certificates.length} certificates, ${scan.keys.length} private keys and ${scan.encrypted.length} locked entries in ${scan.counts.files} files; checked at ${formatTimestamp(scan.checkedAt)}.`;
    const truncated = scan.truncated
      ? h(
          'p',
          { class: 'note' },
          'The workspace has more certificate files than one scan reads; some were left out.',
        )
      : null;
    this.statusLine.replaceChildren();
    append(this.statusLine, [h('p', {}, summary), truncated]);

    this.content.replaceChildren();
    append(this.content, [
      ...this.encryptedSection(scan),
      ...this.certificateSection(scan, now),
      ...keySection(scan),
      problemSection(scan),
    ]);
  }

  private encryptedSection(scan: CertificateScanView): Child[] {
    if (scan.encrypted.length === 0) return [];
    const items = scan.encrypted.map((entry) => this.encryptedItem(entry));
    return [
      h('h3', {}, 'Locked keys and PKCS#12 files'),
      h('ul', { class: 'encrypted-list' }, ...items),
    ];
  }

  private certificateSection(scan: CertificateScanView, now: number): Child[] {
    if (scan.certificates.length === 0) {
      return [
        h('h3', {}, 'Certificates'),
        h('p', { class: 'empty' }, 'No certificates were found in the workspace.'),
      ];
    }
    const keys = new Map(scan.keys.map((key) => [key.id, key]));
    const items = scan.certificates.map((certificate) =>
      this.certificateItem(certificate, keys, now),
    );
    return [h('h3', {}, 'Certificates'), h('ul', { class: 'certificates' }, ...items)];
  }

  private certificateItem(
    certificate: ScannedCertificate,
    keys: Map<string, ScannedKey>,
    now: number,
  ): HTMLElement {
    const key = certificate.keyId === undefined ? undefined : keys.get(certificate.keyId);
    const keyFact = key
      ? h(
          'span',
          { class: 'paired-key' },
          'paired: ',
          h('code', {}, position(key.file, key.blockIndex)),
        )
      : h('span', { class: 'no-key' }, 'no key');
    const facts = h(
      'dl',
      { class: 'certificate-facts' },
      ...fact(
        'Issuer',
        certificate.selfSigned ? `${certificate.issuer} (self-signed)` : certificate.issuer,
      ),
      ...fact(
        'SANs',
        certificate.subjectAltNames.length > 0 ? certificate.subjectAltNames.join(', ') : 'none',
      ),
      ...fact('Valid from', dateValue(certificate.validFrom, now)),
      ...fact('Valid to', dateValue(certificate.validTo, now)),
      ...fact('Key type', certificate.publicKey.label),
      ...fact('Serial', h('code', {}, certificate.serialNumber)),
      ...fact('x5t#S256', h('code', { class: 'thumbprint' }, certificate.x5tS256)),
      ...fact('File', h('code', {}, position(certificate.file, certificate.blockIndex))),
      ...fact('Private key', keyFact),
      ...(certificate.friendlyName ? fact('Friendly name', certificate.friendlyName) : []),
    );
    const warnings = [
      ...(certificate.validityProblem ? [certificate.validityProblem] : []),
      ...certificate.warnings,
    ].map((warning) => h('p', { class: 'certificate-warning' }, warning));
    const use = button(
      'Use for client…',
      () => void this.act(certificate.id, () => this.options.use(certificate.id)),
      {
        label: `Use ${certificate.subject} for a client`,
      },
    );
    if (!key || certificate.ca) use.setAttribute('disabled', '');
    const item = h(
      'li',
      {
        class: `certificate validity-${certificate.validity}`,
        'data-certificate-id': certificate.id,
        'aria-label': certificate.subject,
      },
      h(
        'div',
        { class: 'certificate-heading' },
        h('h4', {}, certificate.subject),
        validityTag(certificate),
        certificate.ca ? h('span', { class: 'tag ca' }, 'CA') : null,
        h(
          'span',
          { class: `tag ${key ? 'key-paired' : 'key-missing'}` },
          key ? 'Key found' : 'No key',
        ),
      ),
      facts,
      ...warnings,
      h(
        'div',
        { class: 'actions' },
        use,
        button('Copy x5t#S256', () => this.options.copy(certificate.x5tS256, 'x5t#S256'), {
          label: `Copy the x5t#S256 of ${certificate.subject}`,
        }),
      ),
      this.notice(certificate.id),
    );
    return item;
  }

  private encryptedItem(entry: EncryptedEntryView): HTMLElement {
    const kind =
      entry.format === 'pkcs12'
        ? 'PKCS#12 file'
        : `encrypted private key (${entry.encryption === 'pemLegacy' ? 'traditional PEM encryption' : 'PKCS#8'})`;
    return h(
      'li',
      { class: 'encrypted', 'data-entry-id': entry.id },
      h('code', {}, position(entry.file, entry.blockIndex)),
      ` · ${kind}`,
      entry.passphraseStored
        ? h('span', { class: 'note' }, ' · the stored passphrase did not open it')
        : null,
      entry.error ? h('p', { class: 'entry-error' }, entry.error.message) : null,
      h(
        'div',
        { class: 'actions' },
        button('Unlock', () => void this.act(entry.id, () => this.options.unlock(entry.id)), {
          label: `Unlock ${entry.file}`,
        }),
      ),
      this.notice(entry.id),
    );
  }

  private notice(id: string): HTMLElement {
    const notice = this.notices.get(id);
    return h(
      'p',
      {
        class: `entry-notice${notice?.error ? ' error' : ''}`,
        'data-notice-for': id,
        role: 'status',
      },
      notice?.text ?? '',
    );
  }

  private async act(id: string, action: () => Promise<Notice | undefined>): Promise<void> {
    this.setNotice(id, { text: 'Waiting for VS Code…', error: false });
    const notice = await action();
    if (notice === undefined) this.notices.delete(id);
    else this.notices.set(id, notice);
    this.setNotice(id, notice);
  }

  private setNotice(id: string, notice: Notice | undefined): void {
    const element = [...this.content.querySelectorAll<HTMLElement>('[data-notice-for]')].find(
      (candidate) => candidate.getAttribute('data-notice-for') === id,
    );
    if (!element) return;
    element.textContent = notice?.text ?? '';
    element.classList.toggle('error', notice?.error ?? false);
  }
}
