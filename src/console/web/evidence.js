import { html, pct, short } from './ui.js';
import { wordDiff } from './diff.js';

// Evidence records come from teacher jobs (GET …/guidance/:gid/evidence) and, as they land, from the
// review queue (lift per student model, retrieval rank, flags). Every field is read as optional and
// anything unrecognised is still shown, so a reviewer never misses what the server sent.
const KNOWN = new Set(['turn', 'state', 'student_reply', 'teacher_reply', 'judgement', 'rationale', 'retest', 'policy_check', 'lift', 'retrieval_rank', 'merged_into']);

const text = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

const roleName = { user: 'Customer', assistant: 'Agent', tool: 'Tool', system: 'System' };

const Conversation = ({ messages }) => html`
  <ol class="conversation">
    ${messages.map((m) => html`<li class=${`turn turn-${m.role}`}><span class="who">${roleName[m.role] ?? m.role}</span> ${m.content ?? ''}${
      Array.isArray(m.tool_calls) ? html` <code>${m.tool_calls.map((c) => c.function?.name).join(', ')}</code>` : null}</li>`)}
  </ol>`;

const Field = ({ label, children }) => html`<div class="field"><dt>${label}</dt><dd>${children}</dd></div>`;

const Interval = ({ value }) => {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return pct(value);
  const ci = value.ci ?? value.interval;
  const n = value.n ?? value.trials;
  return html`<span>${pct(value.lift ?? value.value ?? value.estimate)}${Array.isArray(ci) ? ` [${pct(ci[0])}, ${pct(ci[1])}]` : ''}${n !== undefined ? ` (n = ${n})` : ''}</span>`;
};

/** Lift per student model: `{ model: {lift, ci, n} }` or `[{ model, lift, ci, n }]`. */
export const Lift = ({ lift }) => {
  const rows = Array.isArray(lift) ? lift.map((row) => [row.model ?? row.student_model ?? '?', row]) : Object.entries(lift ?? {});
  if (rows.length === 0) return null;
  return html`<table class="lift"><caption>Measured lift per student model (95 % interval)</caption>
    <thead><tr><th scope="col">Student model</th><th scope="col">Lift</th></tr></thead>
    <tbody>${rows.map(([model, value]) => html`<tr><td>${model}</td><td><${Interval} value=${value} /></td></tr>`)}</tbody></table>`;
};

const Judgement = ({ judgement }) => {
  if (typeof judgement !== 'object' || judgement === null) return text(judgement);
  const { shortfall, kinds, reasoning, explanation, ...rest } = judgement;
  return html`<span>${shortfall === true ? 'Shortfall' : shortfall === false ? 'No shortfall' : ''}${Array.isArray(kinds) && kinds.length ? `: ${kinds.join(', ')}` : ''}</span>
    ${reasoning || explanation ? html`<p class="reasoning">${reasoning ?? explanation}</p>` : null}
    ${Object.keys(rest).length ? html`<pre>${text(rest)}</pre>` : null}`;
};

const PolicyCheck = ({ check }) => {
  if (typeof check !== 'object' || check === null) return text(check);
  return html`<span class=${check.conflict ? 'bad' : 'good'}>${check.conflict ? 'Conflicts with the policy' : 'Consistent with the policy'}</span>
    ${Array.isArray(check.clauses) && check.clauses.length ? html`<ul class="clauses">${check.clauses.map((c) => html`<li><q>${c}</q></li>`)}</ul>` : null}
    ${check.explanation ? html`<p>${check.explanation}</p>` : null}`;
};

const Retest = ({ retest }) => {
  if (typeof retest !== 'object' || retest === null) return text(retest);
  const rounds = Array.isArray(retest.rounds) ? retest.rounds : [];
  return html`<span class=${retest.passed ? 'good' : 'bad'}>${retest.passed ? 'Passed' : 'Failed'}</span>${rounds.length ? ` after ${rounds.length} round${rounds.length === 1 ? '' : 's'}` : ''}`;
};

/** One job's record of why it wrote the entry. */
export const EvidenceRecord = ({ record }) => {
  // A null field says nothing a reviewer needs (e.g. merged_into on a new entry).
  const ev = Object.fromEntries(Object.entries(record.evidence ?? {}).filter(([, value]) => value !== null && value !== undefined));
  const extra = Object.entries(ev).filter(([name]) => !KNOWN.has(name));
  return html`<section class="evidence" aria-label=${`Evidence from job ${short(record.job_id)}`}>
    <p class="meta">Job <a href=${`#/jobs/${record.job_id}`}>${short(record.job_id)}</a> ${record.action ?? ''} version ${record.entry_version ?? '?'} from ${record.source_id ?? '?'}${ev.turn !== undefined ? `, turn ${ev.turn}` : ''}</p>
    <dl>
      ${Array.isArray(ev.state) && ev.state.length ? html`<${Field} label="State"><${Conversation} messages=${ev.state} /><//>` : null}
      ${ev.student_reply !== undefined ? html`<${Field} label="Student's reply"><blockquote class="student">${text(ev.student_reply)}</blockquote><//>` : null}
      ${ev.teacher_reply !== undefined ? html`<${Field} label="Teacher's reply"><blockquote class="teacher">${text(ev.teacher_reply)}</blockquote><//>` : null}
      ${ev.judgement !== undefined ? html`<${Field} label="Judge"><${Judgement} judgement=${ev.judgement} /><//>` : null}
      ${ev.rationale !== undefined ? html`<${Field} label="Rationale">${text(ev.rationale)}<//>` : null}
      ${ev.retest !== undefined || record.retest_passed !== undefined ? html`<${Field} label="Re-test"><${Retest} retest=${ev.retest ?? { passed: record.retest_passed }} /><//>` : null}
      ${ev.policy_check !== undefined ? html`<${Field} label="Policy check"><${PolicyCheck} check=${ev.policy_check} /><//>` : null}
      ${ev.lift !== undefined ? html`<${Field} label="Lift"><${Lift} lift=${ev.lift} /><//>` : null}
      ${ev.retrieval_rank !== undefined ? html`<${Field} label="Retrieval rank">${text(ev.retrieval_rank)}<//>` : null}
      ${ev.merged_into !== undefined ? html`<${Field} label="Merged into">${text(ev.merged_into)}<//>` : null}
      ${extra.map(([name, value]) => html`<${Field} label=${name}><pre>${text(value)}</pre><//>`)}
    </dl>
  </section>`;
};

export const Diff = ({ parts }) => html`<p class="diff">${parts.map((p) =>
  p.op === 'same' ? p.text : p.op === 'add' ? html`<ins>${p.text}</ins>` : html`<del>${p.text}</del>`)}</p>`;

/** A pending revision against the version that is served. */
export const RevisionDiff = ({ served, proposed }) => html`<div class="revision">
  <h4>Changes against the served version ${served.version ?? ''}</h4>
  ${['scenario', 'guidance'].map((field) => html`<h5>${field}</h5><${Diff} parts=${wordDiff(served[field], proposed[field])} />`)}
</div>`;
