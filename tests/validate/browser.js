// browser.js - what the browser checks share (a11y.js, visual.js, print.js, and
// tests/serve/live.js for launch): Debian's /usr/bin/chromium through playwright-core
// (which never downloads a browser), a static server for a built site over loopback HTTP,
// pages that reach only that server, and the site's HTML files.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { chromium } = require('playwright-core');

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.xml': 'application/xml', '.js': 'text/javascript', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.webp': 'image/webp', '.json': 'application/json' };

// Every .html file under dir, in name order.
function htmlFiles(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...htmlFiles(p));
    else if (e.isFile() && e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

// Serves the folder root at base (a path such as "/" or "/sub/"), as any web server
// would: index.html for a folder, 404 for anything else. Resolves to the origin.
function serve(root, base = '/') {
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
  return new Promise((ok) => server.listen(0, '127.0.0.1', () =>
    ok({ origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() })));
}

// Headless Chromium (CHROMIUM overrides the path).
function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// A page of context that reaches only origin: nothing may leave the machine.
async function localPage(context, origin) {
  const page = await context.newPage();
  await page.route('**/*', (route) => (route.request().url().startsWith(origin) ? route.continue() : route.abort()));
  return page;
}

module.exports = { htmlFiles, serve, launch, localPage };
