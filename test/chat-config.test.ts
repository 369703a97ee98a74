import t from 'tap';
import { loadConfig } from '../src/config.js';

t.test('the student model is configured by STUDENT_* variables, with explicit timeout and retries', async (t) => {
  t.same(loadConfig({}).models, { student: undefined }, 'unset: not configured (chat answers 503)');
  t.same(loadConfig({ STUDENT_BASE_URL: 'http://127.0.0.1:8000/v1', STUDENT_MODEL: 'qwen' }).models.student, {
    baseUrl: 'http://127.0.0.1:8000/v1',
    model: 'qwen',
    apiKey: 'none',
    timeoutMs: 60_000,
    maxRetries: 2,
  });
  const full = { STUDENT_BASE_URL: 'http://h/v1', STUDENT_MODEL: 'm', STUDENT_API_KEY: 'k', STUDENT_TIMEOUT_MS: '1500', STUDENT_MAX_RETRIES: '0' };
  t.match(loadConfig(full).models.student, { apiKey: 'k', timeoutMs: 1500, maxRetries: 0 });
});

t.test('invalid chat configuration names the variable', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ STUDENT_MODEL: 'm' }, 'STUDENT_BASE_URL'],
    [{ STUDENT_BASE_URL: 'http://h/v1' }, 'STUDENT_MODEL'],
    [{ STUDENT_BASE_URL: 'not a url', STUDENT_MODEL: 'm' }, 'STUDENT_BASE_URL'],
    [{ STUDENT_BASE_URL: 'http://h/v1', STUDENT_MODEL: 'm', STUDENT_TIMEOUT_MS: '10' }, 'STUDENT_TIMEOUT_MS'],
    [{ STUDENT_BASE_URL: 'http://h/v1', STUDENT_MODEL: 'm', STUDENT_MAX_RETRIES: 'two' }, 'STUDENT_MAX_RETRIES'],
    [{ CHAT_ON_RETRIEVAL_ERROR: 'ignore' }, 'CHAT_ON_RETRIEVAL_ERROR'],
    [{ CHAT_GUIDANCE_TOKEN_BUDGET: '-1' }, 'CHAT_GUIDANCE_TOKEN_BUDGET'],
    [{ CHAT_DEADLINE_MS: '10' }, 'CHAT_DEADLINE_MS'],
    [{ CHAT_DEADLINE_MS: '30s' }, 'CHAT_DEADLINE_MS'],
  ];
  for (const [env, variable] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', variable }, JSON.stringify(env));
  }
  t.same(loadConfig({}).chat, { onRetrievalError: 'continue', guidanceTokenBudget: 2000, deadlineMs: 120_000 });
  t.same(loadConfig({ CHAT_ON_RETRIEVAL_ERROR: 'fail', CHAT_GUIDANCE_TOKEN_BUDGET: '500', CHAT_DEADLINE_MS: '5000' }).chat, {
    onRetrievalError: 'fail',
    guidanceTokenBudget: 500,
    deadlineMs: 5000,
  });
});
