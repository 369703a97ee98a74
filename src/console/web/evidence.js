import { html, pct, short } from './ui.js';
import { wordDiff } from './diff.js';

// Evidence records come from teacher jobs (GET …/guidance/:gid/evidence): the states the note was
// written from (each with the student's and the teacher's reply and the judge's verdict, judged without
// hindsight), the acceptance (lift per round on the student model, and which model judged) and the
// policy check. Every field is read as optional and anything unrecognised is still shown, so a
// reviewer never misses what the server sent.
const KNOWN = new Set(['round', 'situation', 'states', 'siblings', 'rationale', 'merged_into', 'revision_id', 'acceptance', 'policy_check']);

const text = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

const roleName = { user: 'Customer', assistant: 'Agent', tool: 'Tool', system: 'System' };

const Conversation = ({ messages }) => html`
  <ol class="conversation">
    ${messages.map((m) => html`<li class=${`turn turn-${m.role}`}><span class="who">${roleName[m.role] ?? m.role}</span> ${m.content ?? ''}${
      Array.isArray(m.tool_calls) ? html` <code>${m.tool_calls.map((c) => c.function?.name).join(', ')}</code>` : null}</li>`)}
  </ol>`;

const Field = ({ label, children }) => html`<div class="field"><dt>${label}</dt><dd>${children}</dd></div>`;

const signed = (x) => (x === null || x === undefined ? '—' : `${x > 0 ? '+' : ''}${pct(x)}`);

/** A lift with its 95 % interval and the sample sizes behind it. */
export const LiftValue = ({ value }) => html`<span class="lift-value">${signed(value.lift)}${Array.isArray(value.interval) ? ` [${signed(value.interval[0])}, ${signed(value.interval[1])}]` : ''}${
  value.n_with !== undefined ? ` (with the note ${value.passed_with}/${value.n_with}, without ${value.passed_without}/${value.n_without})` : ''}</span>`;

const rank = (m) => (m.best_rank === null || m.best_rank === undefined ? 'not retrieved' : `best ${m.best_rank}, median ${m.median_rank ?? '—'}`);

/** Lift measurements (GET …/guidance/:gid/lift items or an evidence round's `lift`), one row per student model. */
export const Lift = ({ lift, caption = 'Measured lift per student model (95 % interval)' }) => {
  const rows = Array.isArray(lift) ? lift : lift ? [lift] : [];
  if (rows.length === 0) return null;
  return html`<table class="lift"><caption>${caption}</caption>
    <thead><tr><th scope="col">Student model</th><th scope="col">Lift</th><th scope="col">Accepted</th><th scope="col">Retrieval rank</th><th scope="col">Judge</th></tr></thead>
    <tbody>${rows.map((m) => html`<tr>
      <td>${m.student_model ?? '?'}</td><td><${LiftValue} value=${m} /></td>
      <td>${m.accepted === undefined ? '—' : m.accepted ? `yes (lower bound above ${signed(m.min_lift)})` : `no (needs lower bound above ${signed(m.min_lift)})`}</td>
      <td>${rank(m)}${m.states !== undefined ? ` · retrieved in ${m.retrieved_states}/${m.states} states` : ''}</td><td>${m.judge_model ?? '—'}</td></tr>`)}</tbody></table>`;
};

const Judgement = ({ judgement }) => {
  if (typeof judgement !== 'object' || judgement === null) return text(judgement);
  const { shortfall, kinds, reasoning, explanation, ...rest } = judgement;
  return html`<span>${shortfall === true ? 'Shortfall' : shortfall === false ? 'No shortfall' : ''}${Array.isArray(kinds) && kinds.length ? `: ${kinds.join(', ')}` : ''}</span>
    ${reasoning || explanation ? html`<p class="reasoning">${reasoning ?? explanation}</p>` : null}
    ${Object.keys(rest).length ? html`<pre>${text(rest)}</pre>` : null}`;
};

export const PolicyCheck = ({ check }) => {
  if (typeof check !== 'object' || check === null) return text(check);
  return html`<span class=${check.conflict ? 'bad' : 'good'}>${check.conflict ? 'Conflicts with the policy' : 'Consistent with the policy'}</span>
    ${Array.isArray(check.clauses) && check.clauses.length ? html`<ul class="clauses">${check.clauses.map((c) => html`<li><q>${c}</q></li>`)}</ul>` : null}
    ${check.explanation ? html`<p>${check.explanation}</p>` : null}`;
};

/** One state the note was written from: what the student did, what the teacher did, and the judge's verdict. */
const DecisionPoint = ({ point, judge }) => html`<div class="decision-point">
  ${Array.isArray(point.state) && point.state.length ? html`<${Field} label=${`State${point.turn !== undefined ? ` (turn ${point.turn})` : ''}`}><${Conversation} messages=${point.state} /><//>` : null}
  ${point.student_reply !== undefined ? html`<${Field} label="Student's reply"><blockquote class="student">${text(point.student_reply)}</blockquote><//>` : null}
  ${point.teacher_reply !== undefined ? html`<${Field} label="Teacher's reply"><blockquote class="teacher">${text(point.teacher_reply)}</blockquote><//>` : null}
  ${point.judgement !== undefined ? html`<${Field} label=${`Judge${judge ? ` (${judge})` : ''}`}><${Judgement} judgement=${point.judgement} /><//>` : null}
</div>`;

const Acceptance = ({ acceptance }) => {
  const rounds = Array.isArray(acceptance.rounds) ? acceptance.rounds : [];
  return html`<span class=${acceptance.accepted ? 'good' : 'bad'}>${acceptance.accepted ? 'Lift shown' : 'Lift not shown'}</span>${
    rounds.length ? ` after ${rounds.length} round${rounds.length === 1 ? '' : 's'}` : ''} on ${acceptance.student_model ?? '?'}, judged by ${acceptance.judge_model ?? '?'}
    ${rounds.length ? html`<${Lift} lift=${rounds.map((r) => r.lift).filter(Boolean)} caption="Measured lift per round (95 % interval)" />` : null}`;
};

/** One job's record of why it wrote the entry. */
export const EvidenceRecord = ({ record }) => {
  // A null field says nothing a reviewer needs (e.g. merged_into on a new entry).
  const ev = Object.fromEntries(Object.entries(record.evidence ?? {}).filter(([, value]) => value !== null && value !== undefined));
  const extra = Object.entries(ev).filter(([name]) => !KNOWN.has(name));
  const judge = ev.acceptance?.judge_model;
  return html`<section class="evidence" aria-label=${`Evidence from job ${short(record.job_id)}`}>
    <p class="meta">Job <a href=${`#/jobs/${record.job_id}`}>${short(record.job_id)}</a> ${record.action ?? ''} version ${record.entry_version ?? '?'} from ${record.source_id ?? '?'}${ev.round !== undefined ? `, round ${ev.round}` : ''}</p>
    <dl>
      ${ev.situation !== undefined ? html`<${Field} label="Situation">${text(ev.situation)}<//>` : null}
      ${(Array.isArray(ev.states) ? ev.states : []).map((point) => html`<${DecisionPoint} point=${point} judge=${judge} />`)}
      ${ev.rationale !== undefined ? html`<${Field} label="Rationale">${text(ev.rationale)}<//>` : null}
      ${ev.acceptance !== undefined ? html`<${Field} label="Acceptance"><${Acceptance} acceptance=${ev.acceptance} /><//>` : null}
      ${ev.policy_check !== undefined ? html`<${Field} label="Policy check"><${PolicyCheck} check=${ev.policy_check} /><//>` : null}
      ${ev.merged_into !== undefined ? html`<${Field} label="Merged into">${text(ev.merged_into)}<//>` : null}
      ${ev.revision_id !== undefined ? html`<${Field} label="Pending revision">${short(ev.revision_id)}<//>` : null}
      ${Array.isArray(ev.siblings) && ev.siblings.length ? html`<${Field} label="Similar states">${ev.siblings.length}<//>` : null}
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
