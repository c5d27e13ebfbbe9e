#!/usr/bin/env node
// a11y.js SITE_DIR BASE_PATH - accessibility check of every HTML page of a built site
// with axe-core in Debian's /usr/bin/chromium (through playwright-core, which never
// downloads a browser). The site is served over loopback HTTP so its stylesheets load
// and colour contrast is judged on the real page. Fails on serious or critical
// violations. Exit status: 0 clean, 1 violations, 2 usage or browser error.
'use strict';
const fs = require('fs');
const path = require('path');
const { htmlFiles, serve, launch, localPage } = require('./browser');

const [dir, base = '/'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node a11y.js SITE_DIR [BASE_PATH]');
  process.exit(2);
}
const root = path.resolve(dir);

(async () => {
  const server = await serve(root, base);
  const origin = server.origin;
  const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const browser = await launch();
  const page = await localPage(await browser.newContext(), origin);
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
