/**
 * Rule V7 (no secrets or PII), its personal-data half: user home folders, e-mail addresses, host
 * names and shell-prompt user names in training data. Unlike a secret these are everywhere in
 * coding agents' traces, so they are warnings, and promotion can mask them (export/mask-private.ts)
 * with the placeholders named here.
 *
 * Each pattern leaves out what only looks alike: generic home folders (`/home/user`, CI runners,
 * `/Users/Shared`), folders inside URLs, package versions (`foo@1.2.3`), decorators, matrix
 * products (`x@w.T`), SSH remotes (`git@github.com`), reserved example domains, `localhost` and
 * the well-known internal names of Docker, Google Cloud and Kubernetes.
 */
export type PrivateDataKind = 'home folder' | 'e-mail address' | 'host name' | 'user name';

export interface PrivateDataHit {
  kind: PrivateDataKind;
  /** The text found, exactly as it is in the string. */
  match: string;
  /** Where it starts in the string. */
  index: number;
  /** What masking puts in its place: the same for every occurrence, so a record stays consistent. */
  replacement: string;
}

/** How the validator's V7 warnings about personal data begin (promotion adds how to mask it). */
export const PERSONAL_DATA_MESSAGE = 'holds personal data';

export const PLACEHOLDER = { user: '<user>', email: '<email>', host: '<host>' } as const;

/** Names that are no one's: defaults of images, CI runners and docs. Compared in lower case. */
const GENERIC_USERS = new Set([
  'user', 'users', 'username', 'name', 'me', 'you', 'yourname', 'your-name', 'your_name', 'youruser', 'your_user', 'your-user', 'yourusername', 'your_username', 'someone',
  'runner', 'runneradmin', 'ubuntu', 'ec2-user', 'centos', 'debian', 'fedora', 'admin', 'administrator', 'root', 'guest', 'nobody', 'shared', 'public', 'default', 'default user', 'all users',
  'node', 'app', 'vscode', 'codespace', 'codespaces', 'gitpod', 'jovyan', 'coder', 'docker', 'devcontainer', 'circleci', 'travis', 'jenkins', 'vagrant', 'pi', 'linuxbrew', 'sandbox',
  'agent', 'dev', 'developer', 'test', 'testuser', 'tester', 'demo', 'example', 'foo', 'bar', 'johndoe', 'janedoe', 'john.doe', 'jane.doe',
  // Folders that sit where a user's would: environments, agent frameworks' work folders.
  'envs', 'env', 'venv', 'conda', 'workspace', 'work', 'project', 'projects', 'data', 'code', 'src', 'tmp', 'temp', 'share', 'local',
  'assistant', 'assist', 'captainagent', 'groupchat', 'openhands', 'swe-agent', 'sweagent',
]);

const NAME = String.raw`[\p{L}\p{N}_-](?:[\p{L}\p{N}._-]*[\p{L}\p{N}_-])?`;
/** `/Users/<name>`, `/home/<name>`: not inside a longer path or a URL (`docs/home/x`, `https://site/home/x`). */
const UNIX_HOME = new RegExp(String.raw`(?<![\p{L}\p{N}_.~-])(\/(?:Users|home)\/)(${NAME})`, 'gu');
/** `C:\Users\<name>`, with `/` or (JSON-escaped) doubled backslashes too. */
const WINDOWS_HOME = new RegExp(String.raw`(?<![\p{L}\p{N}_])([A-Za-z]:(?:\\+|\/)(?:[Uu][Ss][Ee][Rr][Ss]|Documents and Settings)(?:\\+|\/))(${NAME})`, 'gu');

/**
 * A home folder as Claude Code encodes it in project folder names, every `/` (and `\`, `:`, `.`)
 * made `-`: `~/.claude/projects/-home-alice-app`, `/tmp/claude-1000/-Users-alice-code`,
 * `C--Users-alice-repo`. The user name runs to the next `-` (a name with a `-` in it is cut there,
 * which still hides its first part).
 */
const ENCODED_HOME = new RegExp(String.raw`(?<![\p{L}\p{N}_.~-])((?:[A-Za-z]-)?-(?:Users|home)-)([\p{L}\p{N}_]+)`, 'gu');

/** Top-level domains an address is believed to end in: every two-letter one, and these. */
const LONG_TLDS = new Set(['com', 'org', 'net', 'edu', 'gov', 'mil', 'int', 'info', 'biz', 'name', 'pro', 'dev', 'app', 'cloud', 'tech', 'online', 'site', 'xyz', 'email', 'mail', 'company', 'agency', 'studio', 'design', 'digital', 'systems', 'network', 'software', 'services', 'solutions', 'consulting', 'group', 'global', 'life', 'live', 'world', 'club', 'shop', 'store', 'blog', 'page', 'space', 'website', 'inc', 'ltd', 'llc', 'museum', 'travel', 'jobs', 'aero', 'coop', 'mobi', 'academy', 'school', 'university', 'health']);
const EMAIL = /(?<![\w.+%-])([A-Za-z0-9][\w.%+-]*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+([A-Za-z]{2,}))(?![\w(@-])/g;
/** Mailboxes that name no one: no-reply and role addresses, placeholders; `git@` is an SSH remote. */
const GENERIC_LOCAL_PARTS = /^(?:no-?reply|do-?not-?reply|git|mailer-daemon|postmaster|example|user|username|your[._-]?(?:name|email)|name|email|someone|test)$|^(?:info|support|sales|contact|help|helpdesk|admin|feedback|press|media|hello|team|office|jobs|careers|billing|abuse|security|webmaster|privacy|legal|marketing|service|customerservice|enquiries|enquiry|inquiry|inquiries)(?:[._-][\w.-]*|\d*)$/i;
/** RFC 2606 / 6761 names reserved for examples and tests. */
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$/i;

/** Names only a private network resolves. */
const PRIVATE_HOST = /(?<![\w.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:local|lan|internal|intranet|corp|localdomain|home\.arpa))(?!\.?[\w-])/g;
/** Well-known names that are the same on every machine. */
const GENERIC_HOST = /^(?:(?:host|gateway|kubernetes)\.docker\.internal|metadata\.google\.internal|.*\.cluster\.local|.*\.svc\.local)$/i;
/** Windows' generated machine names. */
const WINDOWS_MACHINE = /\b(?:DESKTOP|LAPTOP)-[A-Z0-9]{7}\b/g;
/** `alice@alices-laptop:~/app$` and `[alice@alices-laptop app]$`. */
const SHELL_PROMPT = /(?<![\w.+%-])([a-z_][\w.-]*)@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?=:[~/]|\s[^\]\n]*\][$#])/g;
/** A container id as host name (`root@3f4e5d6c7b8a:/app#`) names no machine of anyone's. */
const GENERIC_PROMPT_HOST = /^(?:localhost|[0-9a-f]{12}|[0-9a-f]{64})$/i;

/** What every pattern needs somewhere in the text: most strings of a record have none of it, and are skipped in one pass. */
const MAY_HOLD = /[/-](?:Users|home)[/-]|[A-Za-z]:(?:\\+|\/)(?:users|Documents and Settings)|@|\.(?:local|lan|internal|intranet|corp|localdomain|arpa)\b|(?:DESKTOP|LAPTOP)-/i;

/**
 * What each pattern needs in the text, checked before it runs: a pattern is a pass over the whole
 * string, and a string that may hold one kind (an `@`) rarely holds the others. Each is implied
 * by its pattern, so skipping a pattern whose need is absent finds the same.
 */
const NEEDS_WINDOWS_HOME = /[A-Za-z]:(?:\\+|\/)(?:users|Documents and Settings)/i;
const NEEDS_PRIVATE_HOST = /\.(?:local|lan|internal|intranet|corp|localdomain|arpa)/;

function* homeFolders(text: string): Generator<PrivateDataHit> {
  const patterns = [];
  if (text.includes('/Users/') || text.includes('/home/')) patterns.push(UNIX_HOME);
  if (NEEDS_WINDOWS_HOME.test(text)) patterns.push(WINDOWS_HOME);
  if (text.includes('-Users-') || text.includes('-home-')) patterns.push(ENCODED_HOME);
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      if (GENERIC_USERS.has(m[2].toLowerCase())) continue;
      yield { kind: 'home folder', match: m[0], index: m.index, replacement: `${m[1]}${PLACEHOLDER.user}` };
    }
  }
}

function* emails(text: string): Generator<PrivateDataHit> {
  if (!text.includes('@')) return;
  for (const m of text.matchAll(EMAIL)) {
    const [, local, domain, tld] = m;
    if (tld.length > 2 && !LONG_TLDS.has(tld.toLowerCase())) continue;
    if (GENERIC_LOCAL_PARTS.test(local) || RESERVED_DOMAIN.test(domain)) continue;
    yield { kind: 'e-mail address', match: m[0], index: m.index, replacement: PLACEHOLDER.email };
  }
}

function* hostNames(text: string): Generator<PrivateDataHit> {
  if (NEEDS_PRIVATE_HOST.test(text)) {
    for (const m of text.matchAll(PRIVATE_HOST)) {
      if (GENERIC_HOST.test(m[1])) continue;
      yield { kind: 'host name', match: m[0], index: m.index, replacement: PLACEHOLDER.host };
    }
  }
  if (text.includes('DESKTOP-') || text.includes('LAPTOP-')) {
    for (const m of text.matchAll(WINDOWS_MACHINE)) yield { kind: 'host name', match: m[0], index: m.index, replacement: PLACEHOLDER.host };
  }
  if (!text.includes('@')) return;
  for (const m of text.matchAll(SHELL_PROMPT)) {
    const [, user, host] = m;
    if (!GENERIC_USERS.has(user.toLowerCase())) yield { kind: 'user name', match: user, index: m.index, replacement: PLACEHOLDER.user };
    if (!GENERIC_PROMPT_HOST.test(host)) yield { kind: 'host name', match: host, index: m.index + user.length + 1, replacement: PLACEHOLDER.host };
  }
}

/**
 * Personal data in one string, in order, never overlapping: where two patterns claim the same
 * text (`bob@mail.acme.com:/x` is an address and a prompt), the one that starts first, then the
 * longer one, wins.
 */
export function findPrivateData(text: string): PrivateDataHit[] {
  if (!MAY_HOLD.test(text)) return [];
  const all = [...homeFolders(text), ...emails(text), ...hostNames(text)].sort((a, b) => a.index - b.index || b.match.length - a.match.length);
  const out: PrivateDataHit[] = [];
  let end = 0;
  for (const h of all) {
    if (h.index < end) continue;
    out.push(h);
    end = h.index + h.match.length;
  }
  return out;
}

/** Strings shorter than this are scanned each time: a scan of a short string costs less than a lookup. */
const REMEMBERED_FROM = 256;

/**
 * The personal data of long strings seen before, for scans over many records of one set. A set
 * of prefixes repeats each message of a trajectory in every later example of it, which made the
 * scan of a promotion or a `validate` quadratic in a trajectory's length (a Who&When run of 121
 * steps: 119 examples, most of their time in this scan). Bounded: past `maxChars` characters
 * kept, it forgets everything and starts again.
 */
export class PrivateDataMemo {
  private readonly hits = new Map<string, readonly PrivateDataHit[]>();
  private chars = 0;

  constructor(private readonly maxChars = 16 * 1024 * 1024) {}

  /** What `findPrivateData` finds in `text` (the same array for the same long text: do not change it). */
  find(text: string): readonly PrivateDataHit[] {
    if (text.length < REMEMBERED_FROM) return findPrivateData(text);
    const known = this.hits.get(text);
    if (known) return known;
    const found = findPrivateData(text);
    if (this.chars + text.length > this.maxChars) {
      this.hits.clear();
      this.chars = 0;
    }
    this.hits.set(text, found);
    this.chars += text.length;
    return found;
  }
}

/** The personal data in `text`, through `memo` when there is one. */
function privateDataOf(text: string, memo: PrivateDataMemo | undefined): readonly PrivateDataHit[] {
  return memo ? memo.find(text) : findPrivateData(text);
}

/** The string with every hit replaced by its placeholder. */
export function maskPrivateText(text: string, memo?: PrivateDataMemo): { text: string; hits: readonly PrivateDataHit[] } {
  const hits = privateDataOf(text, memo);
  if (!hits.length) return { text, hits };
  let out = '';
  let at = 0;
  for (const h of hits) {
    out += text.slice(at, h.index) + h.replacement;
    at = h.index + h.match.length;
  }
  return { text: out + text.slice(at), hits };
}

/** Per kind of personal data in a JSON value: the first field that holds it, what it is there, and in how many fields. */
export interface PrivateDataFinding { kind: PrivateDataKind; path: string; first: string; fields: number }

export function privateDataIn(strings: Iterable<[path: string, text: string]>, memo?: PrivateDataMemo): PrivateDataFinding[] {
  const byKind = new Map<PrivateDataKind, PrivateDataFinding>();
  for (const [path, text] of strings) {
    const kinds = new Set<PrivateDataKind>();
    for (const h of privateDataOf(text, memo)) {
      if (kinds.has(h.kind)) continue;
      kinds.add(h.kind);
      const f = byKind.get(h.kind);
      if (f) f.fields++;
      else byKind.set(h.kind, { kind: h.kind, path, first: h.match, fields: 1 });
    }
  }
  return [...byKind.values()];
}
