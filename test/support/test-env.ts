/**
 * Loaded by mocha before any test file (.mocharc.json `require`): the environment every unit and
 * webview test runs in. fsync proves nothing a unit test checks and makes the corpus promotions
 * take minutes on a busy machine, so tests turn it off (see core/util/file-ops.ts).
 */
process.env.AGENT_TRACE_NO_FSYNC = '1';
