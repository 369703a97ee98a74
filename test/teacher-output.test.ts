import t from 'tap';
import { extractJson } from '../src/teacher/json-answer.js';
import { newcombe, wilson } from '../src/teacher/lift-interval.js';
import { ENTRIES, VERIFY_CLAUSE } from './helpers/fake-llm.js';
import { CANCEL, teacherSetup } from './helpers/teacher.js';

t.test('JSON in prose, in fences with text around them and after a <think> block parses without a repair', async (t) => {
  const { fake, run, entry } = await teacherSetup(t);
  const written = { ...ENTRIES.cancel, policy_refs: [VERIFY_CLAUSE], tags: ['identity'], rationale: 'verify first' };
  fake.fault('teacher:guidance_entry', {
    content: `<think>The agent skipped verification. Maybe {"guidance": "not this"}?</think>\nHere is the entry:\n\`\`\`json\n${JSON.stringify(written)}\n\`\`\`\nHope this helps!`,
  });
  fake.fault('teacher:turn_verdict', {
    content: `Sure! My verdict: ${JSON.stringify({ shortfall: true, kinds: ['missed_step'], explanation: 'no verification {sic}', situation: 'Cancellation requested, identity not verified' })} Let me know.`,
  });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL], options: { rollouts: 1 } });
  t.match(job, { status: 'done', errors: [], failed_decisions: [] });
  t.equal(fake.count('teacher:guidance_entry'), 1, 'no repair was needed');
  t.equal(fake.count('teacher:turn_verdict'), 1);
  t.match(await entry(job.produced_entry_ids[0]), { guidance: ENTRIES.cancel.guidance });
});

t.test('one bad answer fails one decision point, the others go on', async (t) => {
  const { fake, run, evidence } = await teacherSetup(t);
  fake.fault('teacher:turn_verdict', { content: 'I cannot judge this.' }, { content: 'Still no.' });
  const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
  t.same(job.errors, [], 'no step failed');
  t.equal(job.status, 'done');
  t.match(job.failed_decisions, [{ step: 0, key: 'cancel-1#1', error: /turn_verdict answer was invalid after one repair attempt/ }]);
  t.equal(job.produced_entry_ids.length, 1, 'the other rollouts still taught a note');
  const [proof] = (await evidence(job.produced_entry_ids[0])).items;
  t.same(proof.evidence.states.map((s: { key: string }) => s.key), ['cancel-1/1#1', 'cancel-1/2#1']);
});


t.test('extractJson reads the object out of prose, fences and thinking', async (t) => {
  const object = { a: 1, b: 'x } y', c: [{ d: '"' }] };
  const text = JSON.stringify(object);
  t.same(extractJson(text), object);
  t.same(extractJson(`Here you go: ${text}. Anything else?`), object);
  t.same(extractJson(`Some notes first.\n\`\`\`json\n${text}\n\`\`\`\nThat is all.`), object);
  t.same(extractJson(`<think>Is {"a": 2} right? Let me think.</think>\n${text}`), object, 'what the model thought is not its answer');
  t.same(extractJson(`<thinking>{"a": 3}</thinking>Answer: {"a": 4}`), { a: 4 });
  t.equal(extractJson('<think>I will answer {"a": 5} once I'), undefined, 'an unclosed thought has no answer in it');
  t.equal(extractJson('Sure! Here is my analysis: {"turns": ['), undefined);
  t.equal(extractJson('no JSON at all'), undefined);
});

t.test('newcombe: the interval of a difference of proportions', async (t) => {
  // Newcombe (1998), table II, example (a): 56/70 − 48/80 → 0.0524 to 0.3339.
  t.same(newcombe(56, 70, 48, 80), [0.0524, 0.3339]);
  const [low, high] = newcombe(5, 15, 5, 15);
  t.ok(low < 0 && high > 0 && Math.abs(low + high) < 1e-9, 'no difference: symmetric around 0');
  t.same(wilson(0, 10).map((v) => Math.round(v * 1e4) / 1e4), [0, 0.2775]);
});
