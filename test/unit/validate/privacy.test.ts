/**
 * Issue 9: user home folders, e-mail addresses and host names passed into training examples
 * unflagged. The validator reports them (rule V7, "no secrets or PII", as warnings: a home folder
 * is in nearly every coding agent's trace), and promotion can mask them with stable placeholders,
 * consistently across a record, so tool-call arguments stay valid JSON.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkRecord, validateRecord } from '../../../src/core/validate';
import { findPrivateData, PrivateDataMemo } from '../../../src/core/validate/privacy';
import { maskPrivateData } from '../../../src/core/export/mask-private';
import { promote } from '../../../src/core/training-set/promote';
import { promoteCommand } from '../../../src/cli/commands/promote';
import { validateCommand } from '../../../src/cli/commands/validate';
import { sharedPath } from '../../support/shared';

const kinds = (text: string): string[] => findPrivateData(text).map((h) => `${h.kind}: ${h.match}`);

describe('privacy: personal data in training examples', () => {
  describe('found', () => {
    it('home folders on macOS, Linux and Windows (also with JSON-escaped backslashes)', () => {
      assert.deepEqual(kinds('cd /Users/alice/projects/app && ls'), ['home folder: /Users/alice']);
      assert.deepEqual(kinds('File "/home/bob.smith/src/main.py", line 3'), ['home folder: /home/bob.smith']);
      assert.deepEqual(kinds('C:\\Users\\Carol\\Desktop\\notes.txt'), ['home folder: C:\\Users\\Carol']);
      assert.deepEqual(kinds('{"path":"C:\\\\Users\\\\Carol\\\\notes.txt"}'), ['home folder: C:\\\\Users\\\\Carol']);
      assert.deepEqual(kinds('d:/users/dave/x'), ['home folder: d:/users/dave']);
      assert.deepEqual(kinds('file:///home/erin/a.txt'), ['home folder: /home/erin']);
      assert.deepEqual(kinds('"cwd": "/Users/frank"'), ['home folder: /Users/frank']);
    });
    it("home folders as Claude Code encodes them in project folder names ('/' made '-')", () => {
      assert.deepEqual(kinds('/tmp/claude-1000/-home-marco-projects-spotter/tasks/x.output'), ['home folder: -home-marco']);
      assert.deepEqual(kinds('~/.claude/projects/-Users-alice-code-app/s.jsonl'), ['home folder: -Users-alice']);
      assert.deepEqual(kinds('C--Users-Carol-repo'), ['home folder: C--Users-Carol']);
      assert.deepEqual(findPrivateData('/tmp/claude-1000/-home-marco-projects-spotter').map((h) => h.replacement), ['-home-<user>']);
      for (const s of ['-home-user-app', 'my-home-page', 'a-Users-guide', '--home-runner-work']) assert.deepEqual(kinds(s), [], s);
    });
    it('e-mail addresses', () => {
      assert.deepEqual(kinds('Contact jane.doe+work@acme-corp.com for access'), ['e-mail address: jane.doe+work@acme-corp.com']);
      assert.deepEqual(kinds('Author: Bob <bob@mail.example.co.uk>'), ['e-mail address: bob@mail.example.co.uk']);
      assert.deepEqual(kinds('12345+bob@users.noreply.github.com'), ['e-mail address: 12345+bob@users.noreply.github.com']);
    });
    it('host names: private network names, default Windows machine names, shell prompts', () => {
      assert.deepEqual(kinds('ssh build01.corp'), ['host name: build01.corp']);
      assert.deepEqual(kinds('Connected to alices-macbook-pro.local'), ['host name: alices-macbook-pro.local']);
      assert.deepEqual(kinds('ip-172-31-5-10.ec2.internal responded'), ['host name: ip-172-31-5-10.ec2.internal']);
      assert.deepEqual(kinds('Computer name: DESKTOP-7QK2M3L'), ['host name: DESKTOP-7QK2M3L']);
      assert.deepEqual(kinds('alice@alices-laptop:~/app$ ls'), ['user name: alice', 'host name: alices-laptop']);
    });
  });

  describe('not found (common things that only look alike)', () => {
    it('generic home folders and ones in URLs', () => {
      for (const s of ['/home/user/app', '/Users/Shared/x', '/home/runner/work/repo', '/home/ubuntu', '/root/x', '~/projects', 'C:\\Users\\Public\\x', '/home/<user>/a',
        'https://example.org/home/products', 'see docs/home/intro.md', '/home/$USER/x', '/home/${USER}', '/Users/{username}/x', '/home/',
        '/home/envs/py311/bin/python', 'File "/home/CaptainAgent/groupchat/tmp_code_56dc.py"']) {
        assert.deepEqual(kinds(s), [], s);
      }
    });
    it('package versions, decorators, matrix products, SSH remotes, example and no-reply addresses', () => {
      for (const s of ['npm i lodash@4.17.21', 'pip install torch==2.1 foo@1.2.3', '@types/node@18.0.0', 'uses: actions/checkout@v4', '@app.route("/")',
        'y = x@w.T', 'z = a@b.shape', 'git@github.com:owner/repo.git', 'user@example.com', 'me@test.example', 'noreply@anthropic.com', 'image@sha256:abc', 'x = tensor@weights.to(device)',
        'example@gmail.com', 'user@langfuse.com', 'support@acme-corp.com', 'media.help@apple.com', 'inquiry1@bloomberg.net']) {
        assert.deepEqual(kinds(s), [], s);
      }
    });
    it('public and generic host names', () => {
      for (const s of ['http://localhost:8080', 'api.openai.com', 'host.docker.internal', 'metadata.google.internal', 'db.default.svc.cluster.local', 'root@3f4e5d6c7b8a:/app#', 'DESKTOP-style layout', 'my.app.local.ts']) {
        assert.deepEqual(kinds(s), [], s);
      }
    });
  });

  describe('masked', () => {
    it('with stable placeholders, the same everywhere in the record, and tool-call arguments stay valid JSON', () => {
      const record = {
        messages: [
          { role: 'user', content: 'Fix /Users/alice/app/main.py; mail alice@acme-corp.com when done' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read', arguments: JSON.stringify({ path: '/Users/alice/app/main.py', win: 'C:\\Users\\Alice\\x', host: 'build01.corp' }) } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'alice@alices-laptop:~/app$ cat main.py' },
        ],
      };
      const masked = maskPrivateData(record);
      const msgs = masked.record.messages as { content: string | null; tool_calls?: { function: { arguments: string } }[] }[];
      assert.equal(msgs[0].content, 'Fix /Users/<user>/app/main.py; mail <email> when done');
      assert.deepEqual(JSON.parse(msgs[1].tool_calls![0].function.arguments), { path: '/Users/<user>/app/main.py', win: 'C:\\Users\\<user>\\x', host: '<host>' });
      assert.equal(msgs[2].content, '<user>@<host>:~/app$ cat main.py');
      assert.deepEqual(masked.kinds, ['e-mail address', 'home folder', 'host name', 'user name']);
      assert.deepEqual(record.messages[0].content, 'Fix /Users/alice/app/main.py; mail alice@acme-corp.com when done', 'the input is not changed');
      assert.deepEqual(findPrivateData(JSON.stringify(masked.record)), [], 'nothing left to find');
      assert.deepEqual(maskPrivateData({ a: 'nothing here /home/user' }), { record: { a: 'nothing here /home/user' }, kinds: [] });
    });
  });

  describe('reported by the validator', () => {
    it('as V7 warnings, one per kind per record, with the field of the first and how many there are', () => {
      const rec = { messages: [
        { role: 'user', content: 'Open /home/alice/a.txt and /home/alice/b.txt' },
        { role: 'assistant', content: 'Done, see /home/alice/out. Questions: alice@acme-corp.com' },
      ] };
      const out = checkRecord(rec, 'openai-sft').filter((p) => p.rule === 'V7').map((p) => `${p.severity} ${p.path}: ${p.message}`);
      assert.deepEqual(out, [
        'warning $.messages[0].content: holds personal data (home folder "/home/…ce", in 2 fields)',
        'warning $.messages[1].content: holds personal data (e-mail address "alice@…om")',
      ]);
      const clean = { messages: [{ role: 'user', content: 'Open /home/user/a.txt' }, { role: 'assistant', content: 'ok' }] };
      assert.deepEqual(validateRecord(clean, { file: 'x' }, { templates: [] }), []);
    });

    it('the same for every record of a set of prefixes, whose long messages repeat, with a memo of long strings', () => {
      const pad = ' and then some more words to make the message long.'.repeat(8);
      const turns = [
        { role: 'user', content: `Open /home/alice/a.txt${pad}` },
        { role: 'assistant', content: `Done.${pad} Mail bob@acme-corp.com` },
        { role: 'user', content: `Now ls on build-01.corp${pad}` },
        { role: 'assistant', content: `ok${pad}` },
      ];
      // Each record a prefix of the conversation, as an SFT set of prefixes writes them.
      const records = [2, 3, 4].map((n) => ({ messages: turns.slice(0, n) }));
      const v7 = (rec: object, memo?: PrivateDataMemo) => checkRecord(rec, 'openai-sft', memo).filter((p) => p.rule === 'V7').map((p) => `${p.path}: ${p.message}`);
      const memo = new PrivateDataMemo();
      const withMemo = records.map((r) => v7(r, memo));
      assert.deepEqual(withMemo, records.map((r) => v7(r)));
      assert.equal(withMemo[2].length, 3, withMemo[2].join('\n'));
    });

    it('a memo of long strings finds what a scan finds, the same array again, and forgets past its bound', () => {
      const long = (name: string) => `cd /Users/${name}/work; ${'x'.repeat(300)} mail ${name}@acme-corp.com`;
      const memo = new PrivateDataMemo(1_000);
      const first = memo.find(long('dana'));
      assert.deepEqual(first, findPrivateData(long('dana')));
      assert.equal(first.length, 2);
      assert.equal(memo.find(long('dana')), first, 'a long string seen before is not scanned again');
      // Short strings are scanned every time; they are never kept.
      assert.deepEqual(memo.find('mail erin@acme-corp.com'), findPrivateData('mail erin@acme-corp.com'));
      // Past 1,000 characters kept, it starts again: the first string is scanned anew.
      memo.find(long('eve'));
      memo.find(long('finn'));
      const again = memo.find(long('dana'));
      assert.notEqual(again, first);
      assert.deepEqual(again, first);
    });
  });

  describe('promotion', () => {
    let dir = '';
    beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-privacy-')); });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** small.jsonl with the user's question naming a home folder and an e-mail address, and the call's city a home folder. */
    const traceWithPersonalData = (): string => {
      const text = readFileSync(resolve(__dirname, '../../fixtures/export/small.jsonl'), 'utf8')
        .replaceAll('Weather in SF and NYC?', 'Weather in SF and NYC? Save it to /Users/alice/w.txt and mail alice@acme-corp.com');
      const p = join(dir, 'run.jsonl');
      writeFileSync(p, text);
      return p;
    };

    it('warns (and says how to mask), writes the data as it is, and the data card counts the examples', async () => {
      const trace = traceWithPersonalData();
      const set = join(dir, 'set');
      const out = await promote({ trace, set, format: 'trl', templates: [] });
      assert.deepEqual(out.errors, []);
      const v7 = out.warnings.filter((w) => (w as { rule?: string }).rule === 'V7').map((w) => w.message);
      assert.ok(v7.some((m) => /holds personal data \(home folder "\/Users…ce"/.test(m) && /mask it with --mask-private/.test(m)), v7.join('\n'));
      assert.match(readFileSync(join(set, 'sft.jsonl'), 'utf8'), /\/Users\/alice\/w\.txt/);
      const readme = readFileSync(join(set, 'README.md'), 'utf8');
      assert.match(readme, /## Personal data/);
      assert.match(readme, /\| home folder \| 4 \|/);
      assert.match(readme, /not masked/);
      const v = await validateCommand({ file: join(set, 'sft.jsonl') });
      assert.equal(v.exitCode, 0);
      assert.match(v.stderr.join('\n'), /warning: .*holds personal data \(home folder/);
    });

    it('--mask-private replaces it in every file, the examples validate without a V7 warning, and the data card and manifest say so', async () => {
      const trace = traceWithPersonalData();
      const set = join(dir, 'set');
      const r = await promoteCommand({ trace, set, format: 'openai', sharegpt: true, maskPrivate: true });
      assert.equal(r.exitCode, 0, r.stderr.join('\n'));
      assert.doesNotMatch(r.stderr.join('\n'), /personal data/);
      for (const f of ['sft.jsonl', 'stepwise.jsonl', 'sharegpt.jsonl']) {
        const text = readFileSync(join(set, f), 'utf8');
        assert.doesNotMatch(text, /alice/, f);
        const v = await validateCommand({ file: join(set, f) });
        assert.doesNotMatch(v.stderr.join('\n'), /personal data/, f);
      }
      assert.match(readFileSync(join(set, 'sft.jsonl'), 'utf8'), /Save it to \/Users\/<user>\/w\.txt and mail <email>/);
      const manifest = readFileSync(join(set, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; personalData?: unknown });
      assert.deepEqual(manifest.find((m) => m.file === 'sft.jsonl')!.personalData, { kinds: ['e-mail address', 'home folder'], masked: true });
      const readme = readFileSync(join(set, 'README.md'), 'utf8');
      assert.match(readme, /masked/);
      assert.match(readme, /`\/Users\/<user>`/);
    });

    it('on a real Claude Code trace: its user\'s home folder is reported, and masked everywhere with --mask-private (records still valid)', async () => {
      const trace = join(dir, 'tool_heavy.jsonl');
      writeFileSync(trace, readFileSync(sharedPath('traces', 'claude-code', 'tool_heavy.jsonl')));
      const plain = await promote({ trace, set: join(dir, 'plain'), format: 'openai', sharegpt: true, templates: [], includeFailed: true });
      assert.deepEqual(plain.errors, []);
      assert.ok(plain.warnings.some((w) => (w as { rule?: string }).rule === 'V7' && /home folder "[/-]home[/-]…co"/.test(w.message)));
      assert.match(readFileSync(join(dir, 'plain', 'sft.jsonl'), 'utf8'), /\/home\/marco\//);
      const masked = await promote({ trace, set: join(dir, 'masked'), format: 'trl', sharegpt: true, templates: [], includeFailed: true, maskPrivate: true });
      assert.deepEqual(masked.errors, []);
      assert.ok(!masked.warnings.some((w) => (w as { rule?: string }).rule === 'V7'));
      for (const f of ['sft.jsonl', 'stepwise.jsonl', 'sharegpt.jsonl']) {
        const text = readFileSync(join(dir, 'masked', f), 'utf8');
        assert.doesNotMatch(text, /[/-]home[/-]marco/, f);
        const v = await validateCommand({ file: join(dir, 'masked', f) });
        assert.equal(v.exitCode, 0, v.stderr.join('\n'));
      }
      // Where the path was, the placeholder is. Only stepwise.jsonl is sure to hold it: the path is in the
      // context of the run's last model reply (one response, two calls), flagged as a premature stop, which
      // sft and ShareGPT do not learn.
      assert.match(readFileSync(join(dir, 'masked', 'stepwise.jsonl'), 'utf8'), /\/home\/<user>\//);
    });
  });
});
