import adapter from '@sveltejs/adapter-static';

// Dstack.TemporalServer.csproj builds into its obj folder and embeds the result; a plain `npx vite build` writes build/.
const out = process.env.DSTACK_WEB_UI_OUT || 'build';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    // A single-page app: the server answers every path it has no file for with index.html, and the client router
    // takes over from there.
    adapter: adapter({ pages: out, assets: out, fallback: 'index.html', strict: true }),
    prerender: { entries: [] },
  },
};
