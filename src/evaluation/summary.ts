import { CLAIM_RIVALS, type Claim, type ComparisonResult, type ShareResult } from './analysis.js';
import { ARM_LABELS, type ArmName } from './arms.js';
import { METRICS, PAIRWISE_LABEL, PAIRWISE_METRIC, type DialogueArmCost, type MetricName, type Report } from './report.js';
import type { Estimate } from './stats.js';
import { fmt } from './svg.js';

export const interval = ([lo, hi]: [number, number], digits = 2) => `[${fmt(lo, digits)}, ${fmt(hi, digits)}]`;
export const withCi = (e: Estimate | undefined, digits = 2) => (e === undefined ? '–' : `${fmt(e.mean, digits)} ${interval(e.ci, digits)}`);
export const signed = (v: number) => `${v >= 0 ? '+' : ''}${fmt(v)}`;
export const usd = (value: number | null) => (value === null ? 'no price' : `$${value.toFixed(5)}`);
export const pValue = (p: number | null) => (p === null ? '–' : p < 0.001 ? '<0.001' : p.toFixed(3));

const dialogueLabel = (metric: string) => (metric === PAIRWISE_METRIC ? PAIRWISE_LABEL : (METRICS[metric as MetricName]?.label ?? metric));

function armTable(report: Pick<Report, 'arms' | 'metrics'>): string[] {
  const names = Object.keys(METRICS) as MetricName[];
  return [
    `| arm | ${names.map((n) => METRICS[n].label).join(' | ')} |`,
    `|---|${names.map(() => '---').join('|')}|`,
    ...report.arms.map((arm) => `| ${arm} (${ARM_LABELS[arm]}) | ${names.map((n) => withCi(report.metrics[n].arms[arm])).join(' | ')} |`),
  ];
}

export const VERDICT_TEXT = { supported: '**supported**', 'not supported': '**not supported**', inconclusive: 'inconclusive' } as const;

/** Per metric (rows) and rival (columns): the verdict, the difference and its Holm-adjusted interval. */
export function claimsTable(claims: Claim[], labelOf: (metric: string) => string, cluster = 'scenarios'): string[] {
  const rivals = CLAIM_RIVALS.filter((rival) => claims.some((c) => c.rival === rival));
  if (rivals.length === 0) return ['No claim could be tested: each comparison needs the coach arm and its rival.', ''];
  const metrics = [...new Set(claims.map((c) => c.metric))];
  const cell = (metric: string, rival: string) => {
    const c = claims.find((x) => x.metric === metric && x.rival === rival);
    return c === undefined ? '–' : `${VERDICT_TEXT[c.verdict]}: ${signed(c.mean)} ${interval(c.ci_holm)} (n=${c.n}, ${c.scenarios} ${cluster})`;
  };
  return [
    `| metric | ${rivals.map((r) => `coach vs ${r}`).join(' | ')} |`,
    `|---|${rivals.map(() => '---').join('|')}|`,
    ...metrics.map((m) => `| ${labelOf(m)} | ${rivals.map((r) => cell(m, r)).join(' | ')} |`),
    '',
  ];
}

export function comparisonTable(comparison: ComparisonResult, labelOf: (metric: string) => string, cluster = 'scenarios'): string[] {
  return [
    `### ${comparison.arm} − ${comparison.against}`,
    '',
    `| metric | difference | 95% CI | Holm-adjusted CI | p (raw) | p (Holm) | n (${cluster}) |`,
    '|---|---|---|---|---|---|---|',
    ...Object.entries(comparison.metrics).map(([metric, d]) => {
      const holm = d.holm === null ? ['not tested (no direction)', '–', '–'] : [interval(d.holm.ci_holm), pValue(d.p), pValue(d.holm.p_holm)];
      return `| ${labelOf(metric)} | ${signed(d.mean)} | ${interval(d.ci)} | ${holm[0]} | ${holm[1]} | ${holm[2]} | ${d.n} (${d.scenarios}) |`;
    }),
    '',
  ];
}

export function shareTable(shares: Record<string, ShareResult>, labelOf: (metric: string) => string): string[] {
  if (Object.keys(shares).length === 0) return ['Needs the student, coach and teacher arms.', ''];
  return [
    '| metric | share recovered [95% CI] | teacher − student 95% CI |',
    '|---|---|---|',
    ...Object.entries(shares).map(([metric, s]) => {
      const denominator = s.denominator_ci === null ? '–' : interval(s.denominator_ci);
      return `| ${labelOf(metric)} | ${s.defined ? withCi(s.estimate) : `undefined: ${s.reason}`} | ${denominator} |`;
    }),
    '',
  ];
}

function costRows(arms: ArmName[], costs: Partial<Record<ArmName, DialogueArmCost>>): string[] {
  return [
    '| arm | agent model | conversations | prompt + completion tokens | cost per conversation | resolved | cost per resolved task | customer + judge tokens |',
    '|---|---|---|---|---|---|---|---|',
    ...arms.flatMap((arm) => {
      const c = costs[arm];
      if (c === undefined) return [];
      const perResolved = c.resolved === 0 ? 'none resolved' : usd(c.cost_usd_per_resolved);
      return [
        `| ${arm} | ${c.agent_model} | ${c.conversations} | ${fmt(c.prompt_tokens_per_conversation, 0)} + ${fmt(c.completion_tokens_per_conversation, 0)} | ${usd(c.cost_usd_per_conversation)} | ${c.resolved} | ${perResolved} | ${fmt(c.evaluation_tokens_per_conversation, 0)} |`,
      ];
    }),
  ];
}

function costSection(report: Report): string[] {
  const { cost } = report;
  const build = cost.library_build;
  const lines = [
    '## Cost',
    '',
    `Agent tokens and cost per conversation from MODEL_PRICES ("no price" when the model is not listed, never counted as free). A conversation is resolved when the judge's resolution score is at least ${cost.resolved_at}; the cost per resolved task is the arm's whole agent cost divided by its resolved conversations.`,
    '',
    ...costRows(report.arms, cost.arms),
    '',
    '### Building the library (once)',
    '',
  ];
  if ('unavailable' in build) {
    lines.push(`Unknown: ${build.unavailable}.`, '');
  } else {
    lines.push(
      `${build.jobs.length} teacher job(s): ${build.tokens} tokens, of which ${build.teacher_tokens} the teacher's; cost ${usd(build.cost_usd)}.`,
      '',
      '| role | models | prompt tokens | completion tokens | cost |',
      '|---|---|---|---|---|',
      ...Object.entries(build.by_role).map(([role, r]) => `| ${role} | ${r.models.join(', ')} | ${r.prompt_tokens} | ${r.completion_tokens} | ${usd(r.cost_usd)} |`),
      '',
    );
  }
  const b = cost.break_even;
  lines.push(
    b.conversations === null
      ? `Break-even: not computed: ${b.reason}.`
      : `Break-even: after **${b.conversations} conversations** serving coach (library ${usd(b.build_cost_usd)} once, then ${usd(b.coach_cost_usd_per_conversation)} per conversation) costs less than serving the teacher (${usd(b.teacher_cost_usd_per_conversation)} per conversation).`,
    '',
  );
  return lines;
}

function transferSection(report: Report): string[] {
  if (report.transfer.length === 0) return [];
  const models = [String((report.run.models as Record<string, string> | undefined)?.['agent:student'] ?? 'student'), ...report.transfer.map((t) => t.student_model)];
  const claimSets = [report.claims, ...report.transfer.map((t) => t.claims)];
  const keys = [...new Set(claimSets.flat().filter((c) => c.rival !== 'sft').map((c) => `${c.rival}\u0000${c.metric}`))];
  const cell = (claims: Claim[], key: string) => {
    const c = claims.find((x) => `${x.rival}\u0000${x.metric}` === key);
    return c === undefined ? '–' : `${VERDICT_TEXT[c.verdict]}: ${signed(c.mean)} ${interval(c.ci_holm)}`;
  };
  return [
    '## Transfer: the same library served to other students',
    '',
    'The student, generic and coach arms played again with each other student model, against the same teacher conversations; claims as above (Holm-adjusted), side by side. No pairwise judging for transfer models.',
    '',
    `| claim | ${models.join(' | ')} |`,
    `|---|${models.map(() => '---').join('|')}|`,
    ...keys.map((key) => {
      const [rival, metric] = key.split('\u0000') as [string, string];
      return `| coach vs ${rival}: ${dialogueLabel(metric)} | ${claimSets.map((claims) => cell(claims, key)).join(' | ')} |`;
    }),
    '',
    ...report.transfer.flatMap((t) => [
      `### ${t.student_model}`,
      '',
      ...armTable(t),
      '',
      '| metric | share of the teacher\'s advantage recovered |',
      '|---|---|',
      ...Object.entries(t.recovered_share).map(([m, s]) => `| ${dialogueLabel(m)} | ${s.defined ? withCi(s.estimate) : 'undefined'} |`),
      '',
      ...costRows(t.arms, t.cost),
      '',
    ]),
  ];
}

/** The report as a person reads it: the claims first, then the evidence under them. */
export function renderSummary(report: Report): string {
  const lines = ['# Dialogue evaluation', ''];
  for (const warning of report.warnings) lines.push(`> **WARNING:** ${warning}.`, '');
  lines.push(
    `Generated ${report.generated_at}. ${report.units} scenario×seed unit(s) in ${report.scenarios} scenario(s); arms: ${report.arms.join(', ')}.`,
    `Intervals are 95% percentile bootstrap intervals (${report.bootstrap.iterations} resamples, seed ${report.bootstrap.seed}) that resample scenarios, each with all its seeds, since the seeds of one scenario are not independent. Differences are paired by scenario and seed.`,
    `Multiple comparisons: ${report.bootstrap.adjustment}.`,
    '',
    '## Claims',
    '',
    "Coach (guidance the student retrieves) against each rival, per metric. **Supported** when the Holm-adjusted interval of coach − rival excludes 0 in coach's favour, **not supported** when it excludes 0 against coach, inconclusive otherwise. Fewer violations is better.",
    '',
    ...claimsTable(report.claims, dialogueLabel),
    '## Scores by arm (mean [95% CI])',
    '',
    ...armTable(report),
    '',
    '## Paired differences',
    '',
    ...(report.comparisons.length === 0 ? ['No comparison could be made: each needs both of its arms.', ''] : report.comparisons.flatMap((c) => comparisonTable(c, dialogueLabel))),
    "## Share of the teacher's advantage that coach recovers",
    '',
    '(coach − student) / (teacher − student), per metric, with its 95% interval from the same bootstrap draws. Undefined when the 95% interval of teacher − student covers 0: there is then no established advantage to take a share of.',
    '',
    ...shareTable(report.recovered_share, dialogueLabel),
  );
  const wins = Object.entries(report.win_rates);
  if (wins.length > 0) {
    lines.push(
      '## Pairwise preference',
      '',
      'Each pair was judged twice with the conversations in swapped positions; a tie counts half; 0.5 means no preference. The interval resamples scenarios. Position consistency is the share of pairs where both orders agreed: a low value means the judge mostly followed position, not quality.',
      '',
      '| comparison | win rate of the first arm [95% CI] | wins / ties / losses (judgements) | pairs (scenarios) | position consistency |',
      '|---|---|---|---|---|',
      ...wins.map(([key, w]) => `| ${key.replace('−', ' vs ')} | ${fmt(w.win_rate)} ${interval(w.ci)} | ${w.wins} / ${w.ties} / ${w.losses} | ${w.pairs} (${w.scenarios}) | ${fmt(w.position_consistency)} |`),
      '',
    );
  }
  lines.push(...costSection(report));
  if (report.generic_playbook !== null) {
    const p = report.generic_playbook;
    lines.push(
      '## The generic arm\'s playbook',
      '',
      `Written by ${p.teacher_model} from the policy alone (prompt ${p.prompt}), ${p.tokens} of ${p.budget} estimated tokens as composed; cached in ${p.cache_file}.`,
      '',
      ...p.text.split('\n').map((l) => `> ${l}`),
      '',
    );
  }
  lines.push(...transferSection(report));
  return lines.join('\n');
}
