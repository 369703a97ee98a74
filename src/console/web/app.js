import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, session } from './api.js';
import { EntryPage } from './entry.js';
import { JobsPage } from './jobs.js';
import { LibraryPage } from './library.js';
import { PlaygroundPage } from './playground.js';
import { QueuePage } from './queue.js';
import { StatsPage } from './stats.js';
import { capabilities, ErrorNote, html, Loading, useLoad } from './ui.js';

const PAGES = [
  ['queue', 'Review queue'],
  ['library', 'Library'],
  ['playground', 'Playground'],
  ['stats', 'Stats'],
  ['jobs', 'Jobs and traces'],
];

/** #/library/<id>, #/jobs/<id>, #/jobs/trace/<id> or #/<page>. */
function parseRoute(hash) {
  const [page = 'queue', a, b] = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  if (page === 'library' && a) return { page, entry: a };
  if (page === 'jobs' && a === 'trace' && b) return { page, trace: b };
  if (page === 'jobs' && a) return { page, job: a };
  return { page: PAGES.some(([name]) => name === page) ? page : 'queue' };
}

function useRoute() {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const onHash = () => {
      setRoute(parseRoute(location.hash));
      document.getElementById('main')?.focus();
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

function SignIn({ onSignedIn }) {
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const key = e.currentTarget.elements.key.value.trim();
    try {
      const me = await api('/v1/keys/current', { key });
      session.signIn(key);
      onSignedIn(me);
    } catch (err) {
      setError(err.status === 401 ? new Error('That key is not valid (unknown, revoked or expired).') : err);
    }
  };
  return html`<main id="main" class="sign-in">
    <h1>Coach console</h1>
    <form onSubmit=${submit}>
      <label for="api-key">API key</label>
      <input id="api-key" name="key" type="password" autocomplete="off" required autofocus />
      <button type="submit" class="primary">Sign in</button>
      <p class="muted">The key stays in this tab only (session storage) and is sent as a bearer token.</p>
      <${ErrorNote} error=${error} />
    </form>
  </main>`;
}

const LIBRARY = 'coach.library';

function Shell({ me, onSignOut }) {
  const route = useRoute();
  const libraries = useLoad(() => api('/v1/libraries'), []);
  const [libraryId, setLibraryId] = useState(sessionStorage.getItem(LIBRARY));
  const items = libraries.data?.items ?? [];
  const current = items.find((l) => l.id === libraryId) ?? items[0];
  const can = capabilities(me.role);
  const choose = (id) => {
    sessionStorage.setItem(LIBRARY, id);
    setLibraryId(id);
  };
  const props = { libraryId: current?.id, can, route };
  const page = !current ? null
    : route.page === 'library' && route.entry ? html`<${EntryPage} key=${route.entry} entryId=${route.entry} ...${props} />`
    : { queue: QueuePage, library: LibraryPage, playground: PlaygroundPage, stats: StatsPage, jobs: JobsPage }[route.page];
  return html`<a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main').focus(); }}>Skip to content</a>
    <header class="top">
      <h1>Coach console</h1>
      <label>Library <select value=${current?.id} onChange=${(e) => choose(e.currentTarget.value)}>
        ${items.map((l) => html`<option value=${l.id}>${l.name}</option>`)}</select></label>
      <span class="who">Signed in with a <strong>${me.role}</strong> key</span>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </header>
    <nav class="pages" aria-label="Pages"><ul>${PAGES.map(([name, label]) => html`<li><a href=${`#/${name}`} aria-current=${route.page === name ? 'page' : undefined}>${label}</a></li>`)}</ul></nav>
    <main id="main" tabindex="-1" data-page=${route.page}>
      <${ErrorNote} error=${libraries.error} />
      ${libraries.loading ? html`<${Loading} what="libraries" />` : !current ? html`<p class="empty">This key sees no library.</p>` : null}
      ${typeof page === 'function' ? html`<${page} key=${`${route.page}-${current.id}`} ...${props} />` : page}
    </main>`;
}

function Console() {
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(session.key() !== null);
  useEffect(() => {
    if (!checking) return;
    api('/v1/keys/current').then(setMe, () => session.signOut()).finally(() => setChecking(false));
  }, []);
  if (checking) return html`<${Loading} what="your key" />`;
  if (!me) return html`<${SignIn} onSignedIn=${setMe} />`;
  return html`<${Shell} me=${me} onSignOut=${() => { session.signOut(); setMe(null); }} />`;
}

const root = document.getElementById('root');
root.textContent = '';
render(html`<${Console} />`, root);
