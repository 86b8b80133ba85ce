import { strict as assert } from 'node:assert';
import { errorSignature, SIGNATURE_MAX } from '../../../src/core/clusters';

describe('errorSignature (failure cluster signatures)', () => {
  const cases: [string, string, string][] = [
    ['tau-bench numbers inside flight codes', 'Error: not enough seats on flight HAT229', 'Error: not enough seats on flight HAT<num>'],
    ['tau-bench amounts', 'Error: payment amount does not add up, total price is 4875, but paid 1625', 'Error: payment amount does not add up, total price is <num>, but paid <num>'],
    ['ISO date', 'Error: flight HAT030 not available on date 2024-05-13', 'Error: flight HAT<num> not available on date <time>'],
    ['ISO date-time with zone, decimals, uuid', 'Timeout after 30.5s at 2026-12-02T15:52:43.123Z (request 3f2a9c1e-8b7d-4e2f-9a1c-0d4e5f6a7b8c)', 'Timeout after <num>s at <time> (request <id>)'],
    ['clock time', 'job stalled at 12:04:05 and again at 9:15', 'job stalled at <time> and again at <time>'],
    ['HTTP date', 'Retry after Wed, 21 Oct 2015 07:28:00 GMT please', 'Retry after <time> please'],
    ['URL with query string; HTTP status kept', 'HTTPError: 429 Client Error: Too Many Requests for url: https://api.example.com/v1/search?q=abc&n=10', 'HTTPError: 429 Client Error: Too Many Requests for url: <url>'],
    ['status code kept', 'Request failed with status code 503', 'Request failed with status code 503'],
    ['status_code= kept', 'ToolBench code 12: request invalid, data error. status_code=500', 'ToolBench code 12: request invalid, data error. status_code=500'],
    ['HTTP status kept, port in URL masked with it', 'HTTP 404 from http://localhost:8080/items/17', 'HTTP 404 from <url>'],
    ['exit code kept', 'Command failed with exit code 127: bash: foo: command not found', 'Command failed with exit code 127: bash: foo: command not found'],
    ['errno kept, quoted path keeps its path mask', "FileNotFoundError: [Errno 2] No such file or directory: '/tmp/work/abc/data.csv'", "FileNotFoundError: [Errno 2] No such file or directory: '<path>'"],
    ['Python traceback: the exception line', 'Traceback (most recent call last):\n  File "/usr/lib/python3.10/site-packages/x.py", line 12, in <module>\n    foo()\nKeyError: \'user_id\'', 'KeyError: <str>'],
    ['Python traceback with a dotted exception', 'Traceback (most recent call last):\n  File "a.py", line 1\nrequests.exceptions.ConnectionError: Max retries exceeded with url: /v1 (Caused by NewConnectionError)', 'requests.exceptions.ConnectionError: Max retries exceeded with url: <path> (Caused by NewConnectionError)'],
    ['JavaScript stack frames dropped', "TypeError: Cannot read properties of undefined (reading 'map')\n    at foo (/app/src/index.js:10:5)\n    at bar (/app/src/x.js:1:1)", 'TypeError: Cannot read properties of undefined (reading <str>)'],
    ['Anthropic tool-use id', 'tool_use_id toolu_01A09q90qw90lq917835lq9 has no result', 'tool_use_id <id> has no result'],
    ['OpenAI call id and completion id', 'No tool output found for function call call_Xk2PqZ8wY3vR1mN5tL7hJ9aB in chatcmpl-8AbCdEfGh12345678', 'No tool output found for function call <id> in <id>'],
    ['hex commit and 0x address', 'commit 4f9c2a1b7e failed, segfault at 0x7ffd5a3c', 'commit <id> failed, segfault at <id>'],
    ['long digit runs are ids', 'order 98765432 for user 1234567 was rejected', 'order <id> for user <id> was rejected'],
    ['home and relative paths', 'see ~/logs/run.log and src/core/foo.ts for details', 'see <path> and <path> for details'],
    ['Windows path', 'C:\\Users\\bob\\file.txt not found', '<path> not found'],
    ['double, backtick and typographic quotes', 'unknown tool "web_search"; did you mean `search`? got “foo”', 'unknown tool <str>; did you mean <str>? got <str>'],
    ['apostrophes are not quotes', "I don't know what 'foo' means and can't go on", "I don't know what <str> means and can't go on"],
    ['whitespace collapsed', '  Error:\n\n   something   broke \t here  ', 'Error: something broke here'],
    ['plain words untouched', 'Error: gift card balance is not enough', 'Error: gift card balance is not enough'],
    ['same error, different details: same signature', 'Error: payment method credit_card_7815826 not found', 'Error: payment method <id> not found'],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => assert.equal(errorSignature(input), expected));
  }

  it('gives two occurrences of one failure the same signature, and two failures different ones', () => {
    assert.equal(errorSignature('not enough seats on flight HAT229'), errorSignature('not enough seats on flight HAT290'));
    assert.equal(errorSignature('timeout after 30s calling https://a.example/x'), errorSignature('timeout after 45s calling https://b.example/y/z'));
    assert.notEqual(errorSignature('Request failed with status code 429'), errorSignature('Request failed with status code 500'));
    assert.notEqual(errorSignature('Error: user not found'), errorSignature('Error: flight not found'));
  });

  it('cuts long texts to SIGNATURE_MAX characters, and copes with huge ones', () => {
    const long = errorSignature(`Error: ${'word '.repeat(200)}`);
    assert.equal(long.length, SIGNATURE_MAX);
    assert.ok(long.endsWith('…'));
    const huge = errorSignature(`x${'1a/'.repeat(200_000)}`);
    assert.ok(huge.length <= SIGNATURE_MAX);
    assert.equal(errorSignature(''), '');
  });

  it('text cannot forge the marks that keep status codes', () => {
    assert.equal(errorSignature('status 404 \ue000 \ue001 12'), 'status 404 <num>');
  });
});
