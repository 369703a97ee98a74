import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import t from 'tap';
import { admin, createKey, testApp } from './helpers/app.js';
import { studentEnv } from './helpers/chat.js';
import { FakeOpenAI } from './helpers/fake-openai.js';
import { launchBrowser, missingBrowser, openTab, screenshot } from './helpers/browser.js';
import { ENTRIES, SKIPPING_REPLY, VERIFIED_REPLY, VERIFY_CLAUSE } from './helpers/fake-llm.js';
import { createLibrary, importEntries, SAMPLE_ENTRIES } from './helpers/library.js';
import { ADDRESS, CANCEL, teacherSetup } from './helpers/teacher.js';

t.test('the console pages carry a strict CSP and security headers, and serve their modules from Coach', async (t) => {
  const { app } = await teacherSetup(t);
  const page = await app.inject({ method: 'GET', url: '/console' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  const csp = String(page.headers['content-security-policy']);
  t.match(csp, /default-src 'none'/);
  t.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/, 'scripts from Coach only, plus the import map by its hash');
  t.match(csp, /connect-src 'self'/);
  t.match(csp, /frame-ancestors 'none'/);
  t.notMatch(csp, /unsafe-inline|unsafe-eval|https?:/, 'no inline code, no eval, no other origin');
  t.match(page.headers, { 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
  t.notMatch(page.body, /https?:\/\//, 'the page loads nothing from another origin');

  const preact = await app.inject({ method: 'GET', url: '/console/vendor/preact.mjs' });
  t.equal(preact.statusCode, 200);
  t.match(preact.headers, { 'content-type': /^text\/javascript/, 'content-security-policy': csp });
  t.equal((await app.inject({ method: 'GET', url: '/console/nothing-here.js' })).statusCode, 404);
  t.equal((await app.inject({ method: 'GET', url: '/console/../package.json' })).statusCode, 404);
});

t.test('the calling key tells its role, so the console offers only what it may do', async (t) => {
  const { app, lib } = await teacherSetup(t);
  const student = await createKey(app, { role: 'student', library_ids: [lib.id] });
  const me = await app.inject({ method: 'GET', url: '/v1/keys/current', headers: { authorization: `Bearer ${student.key}` } });
  t.equal(me.statusCode, 200);
  t.same(me.json(), { id: student.id, role: 'student', library_ids: [lib.id], expires_at: null });
  t.equal((await app.inject({ method: 'GET', url: '/v1/keys/current' })).statusCode, 401);
});

const browserMissing = missingBrowser();
if (browserMissing !== null && process.env.CI === 'true') {
  t.fail(`the console's browser test must run in CI: ${browserMissing}`);
} else if (browserMissing !== null) {
  t.test('in a real browser', { skip: `${browserMissing}; skipped outside CI only (in CI it fails)` }, () => {});
} else {
  t.test('in a real browser: review a teacher draft, see it retrieved, reject another, and a student key cannot approve', async (t) => {
    const { app, lib, run, entry, entries } = await teacherSetup(t);
    const job = await run({ kind: 'scenarios', scenarios: [CANCEL, ADDRESS] });
    t.equal(job.status, 'done');
    const drafts = await entries();
    const cancel = drafts.find((e: { scenario: string }) => e.scenario === ENTRIES.cancel.scenario);
    const address = drafts.find((e: { scenario: string }) => e.scenario === ENTRIES.address.scenario);
    t.match([cancel?.status, address?.status], ['draft', 'draft'], 'the teacher job wrote two drafts');
    // One draft left for the student to see once the teacher is done.
    const left = await app.inject({
      method: 'POST',
      url: `/v1/libraries/${lib.id}/guidance`,
      headers: admin,
      payload: { scenario: 'Customer asks whether gift cards can be refunded', guidance: 'Say gift cards are not refundable; offer to check the balance.', status: 'draft' },
    });
    t.equal(left.statusCode, 201, 'a draft written through the API');
    const teacher = await createKey(app, { role: 'teacher', library_ids: [lib.id] });
    const student = await createKey(app, { role: 'student', library_ids: [lib.id] });

    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const browser = await launchBrowser(t);

    const signIn = async (page: Page, key: string) => {
      await page.goto(`${base}/console`);
      await page.waitForSelector('#api-key');
      await page.type('#api-key', key);
      await page.click('.sign-in button[type=submit]');
      await page.waitForSelector('nav.pages');
    };
    const queueItem = (page: Page, scenario: string) =>
      page.waitForFunction((text: string) => [...document.querySelectorAll('.queue-item')].find((el) => el.querySelector('h3')?.textContent === text), {}, scenario);
    const gone = (page: Page, entryId: string) => page.waitForFunction((id: string) => !document.querySelector(`.queue-item[data-entry-id="${id}"]`), {}, entryId);
    const history = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${id}/history`, headers: admin })).json().items;

    const { page, problems } = await openTab(browser);
    await t.test('a wrong key is refused on the sign-in screen', async (t) => {
      await page.goto(`${base}/console`);
      await page.waitForSelector('#api-key');
      await page.type('#api-key', 'not-a-key-at-all');
      await page.click('.sign-in button[type=submit]');
      await page.waitForSelector('.sign-in [role=alert]');
      t.match(await page.$eval('.sign-in [role=alert]', (el) => el.textContent), /not valid/);
      t.equal(await page.evaluate(() => sessionStorage.getItem('coach.apiKey')), null, 'nothing kept');
    });

    await t.test('the teacher finds the draft in the queue, reads its evidence and approves it', async (t) => {
      await signIn(page, teacher.key);
      t.equal(await page.evaluate(() => sessionStorage.getItem('coach.apiKey')), teacher.key, 'the key is in session storage');
      t.same(await page.cookies(), [], 'and in no cookie');
      await queueItem(page, cancel.scenario);
      const text = await page.$eval(`.queue-item[data-entry-id="${cancel.id}"]`, (el) => (el as HTMLElement).innerText);
      t.ok(text.includes(SKIPPING_REPLY), "the student's reply");
      t.ok(text.includes(VERIFIED_REPLY), "the teacher's reply");
      t.ok(text.includes(CANCEL.opening), 'the state the decision was made in');
      t.match(text, /Shortfall: missed_step/, "the judge's verdict");
      t.ok(text.includes(`Judge (${job.models.judge})`), 'which model judged');
      const [measured] = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${cancel.id}/lift`, headers: admin })).json().items;
      t.match(measured, { student_model: job.models.student, accepted: true }, 'the teacher measured the lift on the student model');
      const signed = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(0)} %`;
      const shown = `${signed(measured.lift)} [${signed(measured.interval[0])}, ${signed(measured.interval[1])}] (with the note ${measured.passed_with}/${measured.n_with}, without ${measured.passed_without}/${measured.n_without})`;
      const liftRow = await page.$eval(`.queue-item[data-entry-id="${cancel.id}"] > table.lift tbody tr`, (el) => (el as HTMLElement).innerText);
      t.ok(liftRow.startsWith(measured.student_model), 'the lift row names the student model');
      t.ok(liftRow.includes(shown), `the lift with its interval and n: ${shown}`);
      t.ok(liftRow.includes(`best ${measured.best_rank}`), 'the retrieval rank');
      t.ok(liftRow.includes(measured.judge_model), 'and the model that judged the measurement');
      t.match(text, new RegExp(`Lift shown after \\d+ rounds? on ${measured.student_model}, judged by ${measured.judge_model}`));
      t.match(text, /Consistent with the policy/);
      t.ok(text.includes(VERIFY_CLAUSE), 'the policy clause quoted');
      await screenshot(page, 'queue');

      await page.click(`.queue-item[data-entry-id="${cancel.id}"] textarea`);
      await page.type(`.queue-item[data-entry-id="${cancel.id}"] textarea`, 'matches the verification clause');
      await page.click(`.queue-item[data-entry-id="${cancel.id}"] button.approve`);
      await gone(page, cancel.id);
      t.ok(await page.waitForFunction(() => document.activeElement?.closest('.queue-item, #queue-title')), 'focus stays in the queue, not lost to the page');
      t.equal((await entry(cancel.id)).status, 'approved');
      t.equal((await history(cancel.id))[0].reason, 'approve: matches the verification clause');
    });

    await t.test('the playground returns the approved entry with its explanation and the composed prompt, one click from the entry', async (t) => {
      await page.goto(`${base}/console#/playground`);
      await page.waitForSelector('#turn-0-content');
      await page.type('#turn-0-content', CANCEL.opening);
      await page.click('.playground button[type=submit]');
      const result = await page.waitForSelector(`.result[data-entry-id="${cancel.id}"]`);
      t.match(await result!.evaluate((el) => (el as HTMLElement).innerText), /score \d\.\d{3}[\s\S]*Vector[\s\S]*Text/);
      const prompt = await page.$eval('pre.prompt', (el) => el.textContent ?? '');
      t.ok(prompt.includes(ENTRIES.cancel.guidance), "the student's prompt holds the guidance");
      await screenshot(page, 'playground');
      await page.click(`.result[data-entry-id="${cancel.id}"] h4 a`);
      await page.waitForFunction((text: string) => document.querySelector('#entry-title')?.textContent === text, {}, cancel.scenario);
      await page.waitForSelector('table.history');
      t.match(await page.$eval('.entry', (el) => (el as HTMLElement).innerText), /History[\s\S]*approve: matches the verification clause/);
      await screenshot(page, 'entry');
    });

    await t.test('another draft is rejected with a reason from the keyboard', async (t) => {
      await page.goto(`${base}/console#/queue`);
      await queueItem(page, address.scenario);
      await page.click(`.queue-item[data-entry-id="${address.id}"] h4`);
      await page.keyboard.press('e');
      await page.keyboard.type('changes an order before verification');
      await page.keyboard.press('Escape');
      await page.keyboard.press('r');
      await gone(page, address.id);
      t.equal((await entry(address.id)).status, 'retired');
      t.equal((await history(address.id))[0].reason, 'reject: changes an order before verification');
    });

    await t.test('the library: import a JSONL file, search it, edit an entry, diff its versions and restore the first', async (t) => {
      const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'coach-console-')), 'sample.jsonl');
      await writeFile(file, SAMPLE_ENTRIES.map((e) => JSON.stringify(e)).join('\n') + '\n');
      await page.goto(`${base}/console#/library`);
      const input = await page.waitForSelector('.import-export input[type=file]');
      await input!.uploadFile(file);
      await page.click('.import-export form button[type=submit]');
      await page.waitForFunction(() => /Imported sample\.jsonl: 3 created/.test(document.querySelector('.import-export')?.textContent ?? ''));

      await page.type('.filters input[name=q]', 'forgotten password');
      await page.click('.filters button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('table.entries tbody tr').length === 1);
      await page.click('table.entries tbody tr a');
      await page.waitForSelector('table.history');
      t.match(await page.$eval('.entry', (el) => (el as HTMLElement).innerText), /Examples[\s\S]*I forgot my password and cannot sign in/, 'the detail shows the examples');

      await page.click('.entry .actions button');
      await page.waitForSelector('form.edit');
      await page.$eval('form.edit textarea[name=guidance]', (el) => ((el as HTMLTextAreaElement).value = ''));
      await page.type('form.edit textarea[name=guidance]', 'Verify identity with two factors, then send a reset link.');
      await page.type('form.edit input[name=reason]', 'shorter');
      await page.click('form.edit button[type=submit]');
      await page.waitForFunction(() => /version 2/.test(document.querySelector('.entry .meta')?.textContent ?? ''));
      await page.waitForSelector('.compare ins');
      const marked = await page.$eval('.compare', (el) => ({
        added: [...el.querySelectorAll('ins')].map((e) => e.textContent).join(' '),
        removed: [...el.querySelectorAll('del')].map((e) => e.textContent).join(' '),
      }));
      t.match(marked, { added: /factors/, removed: /email, phone, zip code/ }, 'the diff marks the words added and removed');
      await screenshot(page, 'entry-history');

      await page.click('.history button');
      await page.waitForFunction(() => /version 3/.test(document.querySelector('.entry .meta')?.textContent ?? ''));
      t.equal(await page.$eval('.entry .guidance', (el) => el.textContent), SAMPLE_ENTRIES[1]!.guidance, 'version 1 is back');
    });

    await t.test('the other pages render for the teacher', async (t) => {
      for (const [hash, selector, name] of [
        ['#/library', 'table.entries tbody tr', 'library'],
        ['#/stats', '.chart svg', 'stats'],
        [`#/jobs/${job.id}`, '.job progress', 'jobs'],
      ] as const) {
        await page.goto(`${base}/console${hash}`);
        await page.waitForSelector(selector);
        await screenshot(page, name);
      }
      t.match(await page.$eval('.job', (el) => (el as HTMLElement).innerText), new RegExp(`${job.progress.done}/${job.progress.total} steps`));
      await page.waitForSelector(`table.jobs tr[data-job-id="${job.id}"]`);
      t.match(await page.$eval(`table.jobs tr[data-job-id="${job.id}"]`, (el) => (el as HTMLElement).innerText), new RegExp(`scenarios\\s+done\\s+${job.progress.done}/${job.progress.total}`), 'the job in the list of the library\'s jobs');
      t.same(problems, [], 'no script error or CSP violation on any page');
    });

    await t.test('a student key sees the queue but no approve control', async (t) => {
      const tab = await openTab(browser);
      await signIn(tab.page, student.key);
      await queueItem(tab.page, 'Customer asks whether gift cards can be refunded');
      t.equal((await tab.page.$$('button.approve')).length, 0, 'no approve button');
      t.equal((await tab.page.$$('.decision textarea')).length, 0, 'no reason field');
      t.match(await tab.page.$eval('.queue-item', (el) => (el as HTMLElement).innerText), /may read the queue but not review it/);
      await screenshot(tab.page, 'queue-student');
      t.same(tab.problems, []);
    });
  });

  t.test('in a real browser: a pending revision shows its diff against the served version and its lift, and is approved through the revision routes', async (t) => {
    const { app, lib, run, entry } = await teacherSetup(t);
    const { ids: [cancel] } = await importEntries(app, lib.id, [{ external_id: 'cancel', scenario: ENTRIES.cancel.scenario, guidance: 'Be polite.' }]);
    const job = await run({ kind: 'scenarios', scenarios: [CANCEL] });
    t.match(job, { status: 'done', revised_entry_ids: [cancel] });
    const [revision] = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${cancel}/revisions`, headers: admin })).json().items;
    const teacher = await createKey(app, { role: 'teacher', library_ids: [lib.id] });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchBrowser(t);
    const { page, problems } = await openTab(browser);
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/console`);
    await page.waitForSelector('#api-key');
    await page.type('#api-key', teacher.key);
    await page.click('.sign-in button[type=submit]');
    const item = `.queue-item[data-kind="pending_revision"][data-entry-id="${cancel}"]`;
    await page.waitForSelector(`${item} .revision ins`);
    const text = await page.$eval(item, (el) => (el as HTMLElement).innerText);
    t.match(text, /Pending revision/);
    t.match(text, /Changes against the served version 1/);
    const added = await page.$eval(`${item} .revision`, (el) => [...el.querySelectorAll('ins')].map((e) => e.textContent).join(' '));
    t.ok(ENTRIES.cancel.guidance.split(/\s+/).slice(0, 3).every((word) => added.includes(word)), "the diff marks the revision's new words");
    const [measured] = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${cancel}/lift`, headers: admin })).json().items;
    t.equal(measured.revision_id, revision.id, "the lift measured is the revision's");
    t.ok((await page.$eval(`${item} > table.lift tbody tr`, (el) => (el as HTMLElement).innerText)).startsWith(measured.student_model), 'its lift per student model');
    t.ok(text.includes(SKIPPING_REPLY), "the evidence of the job that proposed it");

    await page.type(`${item} textarea`, 'reads better');
    await page.click(`${item} button.approve`);
    await page.waitForFunction((sel: string) => !document.querySelector(sel), {}, item);
    t.match(await entry(cancel!), { version: 2, guidance: revision.guidance, pending_revision: null }, 'approved: the revision is the served version');
    t.same(problems, []);
  });

  t.test('in a real browser: an entry flagged by a policy edit shows the old and the new clause, and is kept with a reason', async (t) => {
    const { app } = await testApp(t);
    const lib = await createLibrary(app, { policy: 'Refunds within 30 days of delivery, with proof of purchase.' });
    const { ids: [id] } = await importEntries(app, lib.id, [{ external_id: 'refund', scenario: 'Customer wants a refund', guidance: 'Check the delivery date.', policy_refs: ['Refunds within 30 days of delivery'] }]);
    const edit = await app.inject({ method: 'PATCH', url: `/v1/libraries/${lib.id}`, headers: admin, payload: { policy: 'Refunds within 14 days of delivery, with proof of purchase.' } });
    t.equal(edit.statusCode, 200, edit.body);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const browser = await launchBrowser(t);
    const { page, problems } = await openTab(browser);
    await page.goto(`${base}/console`);
    await page.waitForSelector('#api-key');
    await page.type('#api-key', String(admin.authorization).replace(/^Bearer /, ''));
    await page.click('.sign-in button[type=submit]');
    const item = `.queue-item[data-kind="needs_review"][data-entry-id="${id}"]`;
    await page.waitForSelector(`${item} .flags`);
    const flag = await page.$eval(`${item} .flags`, (el) => ({ old: el.querySelector('del')?.textContent ?? '', now: el.querySelector('ins')?.textContent ?? '' }));
    t.match(flag, { old: /30 days/, now: /14 days/ }, 'the old and the new clause');
    await page.type(`${item} textarea`, 'still true under the new window');
    await page.click(`${item} button.approve`);
    await page.waitForFunction((sel: string) => !document.querySelector(sel), {}, item);
    t.same((await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/${id}/policy-flags`, headers: admin })).json().items, [], 'kept: its flags are closed');
    t.same(problems, []);
  });

  t.test('in a real browser: the stats page shows the hold-out uplift with its interval and the n of each arm', async (t) => {
    const fake = await FakeOpenAI.start(t);
    const { app } = await testApp(t, { env: studentEnv(fake) });
    const lib = await createLibrary(app, { holdout_rate: 0.5 });
    const { ids: [id] } = await importEntries(app, lib.id, [{ external_id: 'jacket', scenario: 'Customer asks for a refund of a jacket', guidance: 'Verify the order date, explain the return window.' }]);
    // Planted: resolved when the entry was shown, not when it was withheld.
    for (let i = 0; i < 16; i++) {
      const conversation_id = `c-${i}`;
      const composed = await app.inject({
        method: 'POST', url: `/v1/libraries/${lib.id}/compose`, headers: admin,
        payload: { messages: [{ role: 'user', content: 'I want a refund for my jacket' }], conversation_id, k: 1 },
      });
      t.equal(composed.statusCode, 200, composed.body);
      const trace = (await app.inject({ method: 'GET', url: `/v1/traces/${composed.json().trace_id}`, headers: admin })).json();
      const shown = trace.guidance.some((g: { id: string }) => g.id === id);
      t.equal((await app.inject({ method: 'POST', url: '/v1/feedback', headers: admin, payload: { conversation_id, resolved: shown, rating: shown ? 5 : 2 } })).statusCode, 201);
    }
    const [stats] = (await app.inject({ method: 'GET', url: `/v1/libraries/${lib.id}/guidance/stats`, headers: admin })).json().items;
    const r = stats.causal.resolution_rate;
    t.ok(r.n_shown > 0 && r.n_withheld > 0 && r.uplift === 1, `both arms filled, the planted uplift measured: ${JSON.stringify(r)}`);

    await app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchBrowser(t);
    const { page, problems } = await openTab(browser);
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/console`);
    await page.waitForSelector('#api-key');
    await page.type('#api-key', String(admin.authorization).replace(/^Bearer /, ''));
    await page.click('.sign-in button[type=submit]');
    await page.waitForSelector('nav.pages');
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/console#/stats`);
    const row = await page.waitForSelector('table.causal tbody tr');
    const text = await row!.evaluate((el) => (el as HTMLElement).innerText);
    const signed = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(0)} %`;
    t.ok(text.startsWith('jacket'), 'the entry');
    t.ok(text.includes(`${signed(r.uplift)} [${signed(r.ci95[0])}, ${signed(r.ci95[1])}]`), `the uplift with its interval: ${text}`);
    t.ok(text.includes(`of ${r.n_shown} shown`) && text.includes(`of ${r.n_withheld} withheld`), 'and the n of each arm');
    t.same(problems, []);
  });
}
