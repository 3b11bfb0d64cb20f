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
    // One script and one stylesheet instead of the package's 105 modules: a new visitor's browser then spends its two
    // cores compiling one file rather than fetching and linking a module graph (benchmarks/README.md, WebUiBenchmark:
    // 2.5 s to 1.9–2.3 s for the workflows page).
    output: { bundleStrategy: 'single' },
  },
};
