import { strict as assert } from 'node:assert';
import { commandProgram, isAnsweringExit, statusProgram } from '../../../src/core/formats/shell-exit';

describe('shell command lines: the exit statuses that answer "no", and the program a line is run for', () => {
  it('reads the program whose status a command line returns', () => {
    const cases: [string, string | undefined][] = [
      ['grep -n "root" src/marshmallow/base.py', 'grep'],
      ['cd /testbed && grep -rn "def remove_column" astropy/', 'grep'],
      ['grep -n "_bind" f.py | grep -A 2 "Nested"', 'grep'],
      ['grep -n x f.py | head -5', 'head'],
      ['grep x f || true', 'true'],
      ['LC_ALL=C timeout 10 /usr/bin/grep -c x f 2>&1', 'grep'],
      ['timeout -s KILL 5s rg "a;b" src', 'rg'],
      ['git grep -n "a && b"', 'grep'],
      ['sudo diff -u a b', 'diff'],
      ['[ -f setup.py ]', '['],
      ['echo "a | b; c" && test -d build', 'test'],
      ['python x.py\n', 'python'],
      ['grep x f &', undefined],
      ['cat > f.py << EOF\nprint(1)\nEOF', undefined],
      ['', undefined],
    ];
    assert.deepEqual(cases.map(([c]) => statusProgram(c)), cases.map(([, p]) => p));
  });

  it('takes exit 1 of a search, a comparison or a test as an answer, and nothing else', () => {
    assert.equal(isAnsweringExit('grep -n "self.root =" src/marshmallow/fields.py', 1, '<returncode>1</returncode>\n<output>\n</output>'), true);
    assert.equal(isAnsweringExit('diff -u a.py b.py', 1, '--- a.py\n+++ b.py\n@@ -1 +1 @@\n-x\n+y'), true);
    assert.equal(isAnsweringExit('grep x f', 2, 'grep: f: No such file or directory'), false, 'exit 2 is grep\'s error');
    assert.equal(isAnsweringExit('cd /missing && grep x f', 1, 'bash: cd: /missing: No such file or directory'), false, 'the cd failed');
    assert.equal(isAnsweringExit('python reproduce.py', 1, 'Traceback (most recent call last):'), false);
    assert.equal(isAnsweringExit('pytest tests/', 1, '1 failed, 3 passed'), false, 'failing tests are not an answer');
    assert.equal(isAnsweringExit('grep x f | head', 1, ''), false, 'the status is head\'s');
    assert.equal(isAnsweringExit(undefined, 1, ''), false);
    assert.equal(isAnsweringExit('grep x f', undefined, ''), false);
  });

  it('names a command line by the program it is run for, past what only prepares it', () => {
    const cases: [string, string | undefined][] = [
      ['cd /testbed && find . -path "*/separable*" -type f | head -20', 'find'],
      ['cd /testbed && source venv/bin/activate && export PYTHONPATH=. && /usr/bin/python3 -m pytest -q', 'python3'],
      ['cd /testbed; LC_ALL=C timeout 30 pytest tests/ 2>&1 | tail -5', 'pytest'],
      ['cd /testbed && cat <<\'EOF\' > reproduce.py\nimport os\nEOF', 'cat'],
      ['cd /testbed && echo "a && b" && ls', 'echo'],
      ['cd /testbed', 'cd'],
      ['cd /testbed && export X=1', 'cd'],
      ['FOO=1 ./run_tests.sh --fast', 'run_tests.sh'],
      ['sudo apt-get install -y jq', 'apt-get'],
      ['git diff', 'git'],
      ['   ', undefined],
      ['', undefined],
    ];
    assert.deepEqual(cases.map(([c]) => commandProgram(c)), cases.map(([, p]) => p));
  });
});
