#!/usr/bin/env node
// live.js CLINFOLIO - `clinfolio serve` in headless Chromium (issue 9): an open project
// page shows an edit of its Markdown with no action in the browser; broken front matter
// shows the overlay with the file:line:col message, and fixing it removes it; the same
// for a template; a stylesheet edit applies without a reload; a new page appears in the
// open project list; Ctrl-C ends serve with no private folder left. Chromium is Debian's
// /usr/bin/chromium through playwright-core (as tests/validate/a11y.js), only the
// loopback server is reachable. Ends with "N passed, N failed".
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const { launch } = require('../validate/browser');

const bin = path.resolve(process.argv[2] || 'build/clinfolio');
const repo = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-live-'));
const site = path.join(tmp, 'site');
const tmpdir = path.join(tmp, 'tmpdir'); // serve's $TMPDIR: its private folder goes here
fs.cpSync(path.join(repo, 'tests/golden/basic'), site, { recursive: true });
fs.rmSync(path.join(site, 'expected'), { recursive: true, force: true });
fs.mkdirSync(tmpdir);

let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.log('FAIL: ' + what); }
}
const WAIT = 15000; // a rebuild of this site takes milliseconds; this only bounds a hang

const file = (rel) => path.join(site, rel);
const read = (rel) => fs.readFileSync(file(rel), 'utf8');
// as editors save: a new file renamed over the old one
function save(rel, text) {
  const t = path.join(path.dirname(file(rel)), '.' + path.basename(rel) + '.new');
  fs.writeFileSync(t, text);
  fs.renameSync(t, file(rel));
}
const bodyHas = (page, text) =>
  page.waitForFunction((t) => document.body && document.body.innerText.includes(t), text, { timeout: WAIT });
const overlayText = (page) =>
  page.waitForSelector('[role="alert"]', { timeout: WAIT }).then((el) => el.innerText());
const overlayGone = (page) => page.waitForSelector('[role="alert"]', { state: 'detached', timeout: WAIT });

async function step(what, fn) {
  try { await fn(); } catch (e) { check(false, what + ': ' + e.message.split('\n')[0]); }
}

(async () => {
  const serve = spawn(bin, ['serve', '-s', site, '-p', '0', '--bind', '127.0.0.1', '-j', '2'],
    { env: { ...process.env, TMPDIR: tmpdir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  serve.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('serve did not start: ' + out + err)), WAIT);
    serve.stdout.on('data', (d) => {
      out += d;
      const m = /^serving .* at (http:\/\/\S+) /m.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    serve.on('exit', (code) => fail(new Error('serve exited ' + code + ': ' + err)));
  });
  const origin = new URL(url).origin;
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.route('**/*', (r) => (r.request().url().startsWith(origin) ? r.continue() : r.abort()));
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });

    // the Markdown of the open page
    const md = 'content/projects/anti-fog.md';
    const good = read(md);
    await page.goto(url + 'projects/anti-fog/', { waitUntil: 'load' });
    check((await page.textContent('h1')).includes('Anti-fog goggles'), 'the project page opens');
    const before = navigations;
    await step('a Markdown edit shows on the open page', async () => {
      save(md, good.replace('Goggles whose frame', 'Goggles (edited live) whose frame'));
      await bodyHas(page, 'Goggles (edited live) whose frame');
    });
    check(navigations > before, 'the page reloaded by itself');

    await step('broken front matter shows the overlay with file:line:col', async () => {
      save(md, good.replace('date: 2023-04-20', 'date: [2023-04-20'));
      const text = await overlayText(page);
      check(/content\/projects\/anti-fog\.md:\d+:\d+: error: /.test(text), 'overlay text: ' + text);
      check(/\n\s+3 \| date: \[2023-04-20\n/.test(text), 'with the source lines: ' + text);
      // the overlay itself passes axe-core (contrast, roles) like the demo's pages
      await page.addScriptTag({ content: fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
      const res = await page.evaluate(async () =>
        await window.axe.run({ include: [['#clinfolio-errors']] }, { resultTypes: ['violations'] }));
      const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      check(bad.length === 0, 'axe-core on the overlay: ' + bad.map((v) => v.id).join(', '));
    });
    check((await page.textContent('h1')).includes('Anti-fog goggles'), 'the last good page under the overlay');
    await step('fixing it removes the overlay', async () => {
      save(md, good.replace('Goggles whose frame', 'Goggles (fixed) whose frame'));
      await overlayGone(page);
      await bodyHas(page, 'Goggles (fixed) whose frame');
    });

    // the template of the open page
    const tpl = 'themes/mini/templates/projects/single.html';
    const tplGood = read(tpl);
    await step('a template edit shows on the open page', async () => {
      save(tpl, tplGood.replace('<h1>{{ page.title }}</h1>', '<h1>{{ page.title }}</h1><p>template edited live</p>'));
      await bodyHas(page, 'template edited live');
    });
    await step('a broken template shows the overlay with file:line:col', async () => {
      save(tpl, tplGood.replace('{% for s in page.stages %}', '{% for s in %}'));
      const text = await overlayText(page);
      check(/themes\/mini\/templates\/projects\/single\.html:\d+:\d+: error: /.test(text), 'overlay text: ' + text);
    });
    await step('fixing the template removes the overlay', async () => {
      save(tpl, tplGood);
      await overlayGone(page);
      check(!(await page.textContent('body')).includes('template edited live'), 'the good template is back');
    });

    // a stylesheet edit: the open page swaps its stylesheets, without a reload
    await step('a stylesheet edit applies without a reload', async () => {
      const base = 'themes/mini/templates/base.html';
      save(base, read(base).replace('</title></head>', '</title><link rel="stylesheet" href="/golden/css/extra.css"></head>'));
      await page.waitForSelector('link[rel="stylesheet"]', { state: 'attached', timeout: WAIT });
      const loads = navigations;
      fs.appendFileSync(file('content/static/css/extra.css'), '\nh1 { color: rgb(1, 2, 3) }\n');
      await page.waitForFunction(() => getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, 3)',
        null, { timeout: WAIT });
      check(navigations === loads, 'no reload for a stylesheet: ' + (navigations - loads) + ' navigations');
    });

    // a new page in the open project list
    await page.goto(url + 'projects/', { waitUntil: 'load' });
    await step('a new project appears in the open list', async () => {
      fs.writeFileSync(file('content/projects/brand-new.md'),
        '---\ntitle: A brand new project\ndate: 2024-05-01\ncohort: 2024\n---\nJust started.\n');
      await bodyHas(page, 'A brand new project');
    });
  } finally {
    await browser.close();
  }

  // Ctrl-C
  const ended = new Promise((ok) => serve.on('exit', (code, signal) => ok({ code, signal })));
  check(fs.readdirSync(tmpdir).length === 1, 'one private folder while serving');
  serve.kill('SIGINT');
  const how = await Promise.race([ended, new Promise((ok) => setTimeout(() => ok(null), WAIT))]);
  check(how && how.signal === 'SIGINT', 'SIGINT ends serve by the signal: ' + JSON.stringify(how));
  check(fs.readdirSync(tmpdir).length === 0, 'no private folder left: ' + fs.readdirSync(tmpdir));
  check(!fs.existsSync(path.join(site, 'public')), 'public/ never written');
  if (!how) serve.kill('SIGKILL');
})().catch((e) => { check(false, e.stack || String(e)); }).finally(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
});
