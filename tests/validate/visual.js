#!/usr/bin/env node
// visual.js SITE_DIR [SHOTS_DIR] - how a built site looks on a desktop and a phone (issue
// 12), in Debian's /usr/bin/chromium through playwright-core, served over loopback HTTP
// (as a11y.js). Every HTML page is opened at 1280 and at 390 px wide, in light and in dark
// mode, and must not scroll sideways (document.documentElement.scrollWidth <= innerWidth),
// nor may any box in it (an element with overflow-x auto or scroll whose content is wider
// than itself; code blocks excepted).
// In every inline chart (svg.cf-chart), the bounding boxes of the text labels must not
// overlap each other (beyond 0.5 px, for antialiasing), nor the discs of the chart's
// marks (circles, by more than 0.5 px), and no two marks may overlap. With SHOTS_DIR, full-page
// screenshots of the home page, a project, a cohort and the report at both widths (and
// the home page in dark mode) are written there, for a person to look at. Ends with
// "visual: N pages, N problems"; exit 0 clean, 1 problems, 2 usage or browser error.
'use strict';
const fs = require('fs');
const path = require('path');
const { htmlFiles, serve, launch, localPage } = require('./browser');

const [dir, shots] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node visual.js SITE_DIR [SHOTS_DIR]');
  process.exit(2);
}
const root = path.resolve(dir);
const WIDTHS = [1280, 390];

// Runs in the page: what scrolls sideways, and which chart labels overlap.
function inspect() {
  const problems = [];
  const de = document.documentElement;
  if (de.scrollWidth > window.innerWidth) {
    // the widest elements, to say what to fix
    const wide = [...document.body.querySelectorAll('*')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .filter((e) => !e.parentElement || e.parentElement.getBoundingClientRect().right <= window.innerWidth + 0.5)
      .slice(0, 3)
      .map((e) => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''));
    problems.push(`scrolls sideways: ${de.scrollWidth} px wide in ${window.innerWidth} (${wide.join(', ')})`);
  }
  // a box of the page that scrolls sideways hides part of a table or chart just as well
  // (code blocks excepted: a long line of code may scroll)
  for (const e of document.body.querySelectorAll('*')) {
    if (e.closest('pre') || !e.getClientRects().length) continue;
    const ox = getComputedStyle(e).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && e.scrollWidth > e.clientWidth + 1) {
      problems.push(`a box scrolls sideways: ${e.tagName.toLowerCase()}.${String(e.className).split(' ').join('.')} ` +
        `(${e.scrollWidth} px of content in ${e.clientWidth})`);
    }
  }
  document.querySelectorAll('svg.cf-chart').forEach((svg, n) => {
    if (!svg.getClientRects().length) return; // a variant hidden at this width
    const labels = [...svg.querySelectorAll('text')]
      .filter((t) => t.textContent.trim() && t.getClientRects().length)
      .map((t) => ({ t: t.textContent.trim(), r: t.getBoundingClientRect() }))
      .filter((l) => l.r.width > 0 && l.r.height > 0);
    // the marks: a label's box must keep out of every circle's disc (its radius on screen
    // with half its stroke): the point of the box nearest the centre is at least r away
    const marks = [...svg.querySelectorAll('circle')]
      .filter((c) => c.getClientRects().length)
      .map((c) => {
        const r = c.getBoundingClientRect();
        return { t: `${c.getAttribute('class') || 'circle'} ${c.getAttribute('data-date') || ''}`.trim(),
          x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2, r: Math.min(r.width, r.height) / 2 };
      });
    for (const l of labels) {
      for (const m of marks) {
        const dx = Math.max(l.r.left - m.x, 0, m.x - l.r.right);
        const dy = Math.max(l.r.top - m.y, 0, m.y - l.r.bottom);
        if (Math.hypot(dx, dy) < m.r - 0.5) {
          problems.push(`chart ${n + 1} (${svg.getAttribute('class')}): label "${l.t}" overlaps mark ${m.t}`);
        }
      }
    }
    // ... and the marks keep apart (a short project's stages a day apart)
    for (let i = 0; i < marks.length; i++) {
      for (let j = i + 1; j < marks.length; j++) {
        const a = marks[i], b = marks[j];
        if (Math.hypot(a.x - b.x, a.y - b.y) < a.r + b.r - 0.5) {
          problems.push(`chart ${n + 1} (${svg.getAttribute('class')}): marks overlap: ${a.t} and ${b.t}`);
        }
      }
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].r, b = labels[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) {
          problems.push(`chart ${n + 1} (${svg.getAttribute('class')}): labels overlap: ` +
            `"${labels[i].t}" and "${labels[j].t}"`);
        }
      }
    }
  });
  return problems;
}

// The pages photographed: the home page, a project, a cohort and the report.
function photographed(rel) {
  return rel === 'index.html' ||
    /^projects\/[^/]+\/index\.html$/.test(rel) && !rel.startsWith('projects/page/') ||
    /^cohorts\/[^/]+\/index\.html$/.test(rel) ||
    /^reports\/[^/]+\/index\.html$/.test(rel);
}

(async () => {
  const server = await serve(root);
  const origin = server.origin;
  const browser = await launch();
  if (shots) fs.mkdirSync(shots, { recursive: true });
  const shot = new Set(); // one of each kind is enough
  let pages = 0, problems = 0;
  for (const scheme of ['light', 'dark']) {
    for (const width of WIDTHS) {
      const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
      const page = await localPage(context, origin);
      for (const f of htmlFiles(root)) {
        const rel = path.relative(root, f).split(path.sep).join('/');
        await page.goto(origin + '/' + rel, { waitUntil: 'load' });
        if (scheme === 'light' && width === WIDTHS[0]) pages++;
        for (const p of await page.evaluate(inspect)) {
          problems++;
          console.log(`${rel} @${width}px ${scheme}: ${p}`);
        }
        const kind = rel.split('/')[0] + '@' + width + scheme;
        if (shots && photographed(rel) && !shot.has(kind) && (scheme === 'light' || rel === 'index.html')) {
          shot.add(kind);
          const name = rel.replace(/\/?index\.html$/, '').replace(/\//g, '_') || 'home';
          await page.screenshot({ path: path.join(shots, `${name}-${width}-${scheme}.png`), fullPage: true });
        }
      }
      await context.close();
    }
  }
  await browser.close();
  server.close();
  console.log(`visual: ${pages} pages, ${problems} problems`);
  process.exit(problems ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
