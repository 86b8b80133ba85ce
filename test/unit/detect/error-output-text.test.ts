/** Unflagged tool output reads as an error only on strong, case-sensitive signals; ordinary prose never does. */
import { strict as assert } from 'node:assert';
import { classifyError, looksLikeErrorOutput } from '../../../src/core/detect/text';

describe('looksLikeErrorOutput', () => {
  const prose = [
    'Error rates fell 3% in Q2',
    'Failed login attempts are listed below: none.',
    'error handling guide',
    'ERRORS AND OMISSIONS EXCLUDED',
    'Exceptions to the refund policy are listed on page 4.',
    'Exception handling in Python uses try and except.',
    'Failed banks of 2008: Lehman Brothers, Washington Mutual.',
    '500 People attended the conference in Lyon.',
    '404 pages were crawled and indexed.',
    'fatalities: 3 in 2021, 1 in 2022',
    'Status of the project: 500 tickets closed this quarter.',
    'The terror: a history of the French Revolution',
    'Interror: bad OCR of a scanned page',
    '{"error": "", "response": "[{\\"id\\": 1}]"}',
    '{"error": null, "result": 3}',
  ];
  for (const text of prose) {
    it(`ordinary prose is not an error: "${text}"`, () => assert.equal(looksLikeErrorOutput(text), false));
  }

  const errors = [
    'Error: HTTP 429 rate limit exceeded',
    'error: pathspec "main" did not match any file(s) known to git',
    'ERROR: could not connect to database',
    'Tool error: the page could not be opened',
    'Traceback (most recent call last):\n  File "x.py", line 1\nKeyError: "a"',
    "ValueError: invalid literal for int() with base 10: 'x'",
    'KeyError: "a"',
    'Exception: something broke',
    'Failed to fetch https://example.org: connection reset',
    'FAILED tests/test_x.py::test_y - AssertionError',
    'fatal: not a git repository (or any of the parent directories): .git',
    '{"error": {"code": -32602, "message": "Invalid params"}}',
    '{"error": "Message error...", "response": ""}',
    'Error in sending the GET request: 400 Client Error: for url: http://x/fhir',
    'HTTP/1.1 503 Service Unavailable',
    '404 Not Found',
    'Request failed with status code 500',
    // Signals anywhere in the output, not only at its start.
    'Running the script...\nTraceback (most recent call last):\n  File "x.py", line 1',
    'The call went out and came back with 502 Server Error for the upstream',
    'reply: {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}}',
  ];
  for (const text of errors) {
    it(`reads as an error: "${text.split('\n')[0]}"`, () => assert.equal(looksLikeErrorOutput(text), true));
  }

  it('a script that says it exited 0 did not fail, whatever traceback its output quotes; a shell line\'s status 0 says nothing of the Python before its pipe', () => {
    const quoted = 'Oldest Issue Title: BUG: deep copying polybase broken\n```shell\nTraceback (most recent call last):\n  File "<stdin>", line 1, in <module>\nAttributeError: \'str\' object has no attribute \'copy\'\n```';
    assert.equal(looksLikeErrorOutput(`The script ran, then exited with Unix exit code: 0\nIts output was:\n${quoted}`), false);
    assert.equal(looksLikeErrorOutput(`exitcode: 0 (execution succeeded)\nCode output: ${quoted}`), false);
    assert.equal(looksLikeErrorOutput(`The script ran, then exited with Unix exit code: 1\nIts output was:\n${quoted}`), true);
    assert.equal(looksLikeErrorOutput(`<returncode>0</returncode>\n<output>\n${quoted}\n</output>`), true);
  });
});

describe('classifyError', () => {
  it('a framework step limit named in the exception type (StepLimitExceeded) is ORCH.STEP_LIMIT', () => {
    assert.equal(classifyError('StepLimitExceeded: agent stopped after 8 iterations without a final answer').category, 'ORCH.STEP_LIMIT');
    assert.equal(classifyError('agent stopped after 8 iterations without a final answer').category, 'ORCH.STEP_LIMIT');
    assert.equal(classifyError('We stopped after lunch and resumed at 2pm').category, 'TOOL.RUNTIME');
  });

  it('a tool saying its arguments are not valid JSON is TOOL.ARGS_INVALID', () => {
    assert.equal(classifyError("Error: arguments are not valid JSON: Expecting ',' delimiter: line 1 column 48").category, 'TOOL.ARGS_INVALID');
  });

  it('an HTTP status is a status only where it stands as one: not a line number, a path, a version or part of a number', () => {
    const statusOf = (text: string): string => classifyError(text).category;
    assert.deepEqual(['HTTP 429 Too Many Requests', 'Error code: 429 - Too Many Requests', 'status_code=403', 'GET /x returned 404.', '(401)', 'upstream answered 408'].map(statusOf),
      ['TOOL.RATE_LIMIT', 'TOOL.RATE_LIMIT', 'TOOL.AUTH', 'TOOL.NOT_FOUND', 'TOOL.AUTH', 'TOOL.TIMEOUT']);
    assert.deepEqual(['see line 429 of models.py', 'Line 401, column 3', 'GET /api/404/items failed', 'version 1.404 failed', 'code 4290 failed', 'took 0.408 s and failed'].map(statusOf),
      Array(6).fill('TOOL.RUNTIME'));
  });

  it('ToolBench\'s "No such function name" is an unknown tool; SQLite\'s "no such function" is not', () => {
    assert.equal(classifyError('ToolBench code 1: No such function name: authenticate_currents_news').category, 'TOOL.UNKNOWN');
    assert.equal(classifyError('sqlite3.OperationalError: no such function: json_extract').category, 'TOOL.RUNTIME');
  });

  it('exit status 124 (what `timeout` returns) is a timeout', () => {
    assert.equal(classifyError('ExecutionFailed: exit code 124: Code output:').category, 'TOOL.TIMEOUT');
    assert.equal(classifyError('ExecutionFailed: exit code 1240: Code output:').category, 'TOOL.RUNTIME');
  });

  it('JSON-RPC\'s "Method not found" is an unknown tool; a payment method that is not found is not', () => {
    assert.equal(classifyError('{"code": -32601, "message": "Method not found"}').category, 'TOOL.UNKNOWN');
    assert.equal(classifyError('Method not found: tools/cal').category, 'TOOL.UNKNOWN');
    assert.equal(classifyError('Error: payment method not found').category, 'TOOL.NOT_FOUND');
  });
});
