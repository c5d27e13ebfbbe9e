#!/usr/bin/env node
// a11y.js SITE_DIR BASE_PATH - accessibility check of every HTML page of a built site
// with axe-core in Debian's /usr/bin/chromium (through playwright-core, which never
// downloads a browser). The site is served over loopback HTTP so its stylesheets load
// and colour contrast is judged on the real page. Fails on serious or critical
// violations. Exit status: 0 clean, 1 violations, 2 usage or browser error.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

const [dir, base = '/'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node a11y.js SITE_DIR [BASE_PATH]');
  process.exit(2);
}
const root = path.resolve(dir);
const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.js': 'text/javascript', '.png': 'image/png', '.jpg': 'image/jpeg' };

function htmlFiles(d) {
  const out = [];
  for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) out.push(...htmlFiles(p));
    else if (e.isFile() && e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

// A static server for the folder at BASE_PATH, as any web server would serve it.
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (!p.startsWith(base)) { res.writeHead(404); return res.end(); }
  p = path.join(root, p.slice(base.length));
  if (!p.startsWith(root)) { res.writeHead(403); return res.end(); }
  if (fs.existsSync(p) && fs.statSync(p).isDirectory()) p = path.join(p, 'index.html');
  fs.readFile(p, (err, data) => {
    if (err) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': TYPES[path.extname(p)] || 'application/octet-stream' });
    res.end(data);
  });
});

(async () => {
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  // nothing may leave the machine: only the loopback server answers
  await page.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  let pages = 0, violations = 0;
  for (const f of htmlFiles(root)) {
    const rel = path.relative(root, f).split(path.sep).join('/');
    await page.goto(origin + base + rel, { waitUntil: 'load' });
    await page.addScriptTag({ content: axeSource });
    const res = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
    pages++;
    for (const v of res.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
      violations++;
      console.log(`${rel}: ${v.impact}: ${v.id}: ${v.help} [${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}]`);
    }
  }
  await browser.close();
  server.close();
  console.log(`a11y: ${pages} pages checked, ${violations} serious or critical violations`);
  process.exit(violations ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
