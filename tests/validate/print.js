#!/usr/bin/env node
// print.js SITE_DIR - the default theme in print (issue 12), in Debian's /usr/bin/chromium
// through playwright-core, served over loopback HTTP (as a11y.js): the report printed to
// PDF (page.pdf(), A4 from print.css's @page) has a cover page and more pages after it;
// with print media, no page shows the site header, navigation, language switch, footer,
// breadcrumb or the project list's filters (their text is not in document.body.innerText,
// which leaves out what is not displayed); every page carries its title for the running
// head (--print-title, read by @page's @top-center); the references are left-aligned;
// print.css has the margin boxes with the title and counter(page); the report's PDF, read
// back with pdftotext (poppler-utils), has its table and figure labels ("Table 1.",
// "Figure 3.", "表 1", "图 3") and page numbers ("2 / 7"). Prints "N passed, N failed";
// exit 0 clean, 1 failures, 2 usage or browser error.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { serve, launch, localPage } = require('./browser');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node print.js SITE_DIR');
  process.exit(2);
}
const root = path.resolve(dir);

let passed = 0, failed = 0;
function check(cond, what) {
  if (cond) passed++;
  else { failed++; console.log('FAIL: ' + what); }
}

// Runs in the page, with print media: what a reader of the paper gets.
function printed() {
  const shown = (sel) => [...document.querySelectorAll(sel)]
    .filter((e) => getComputedStyle(e).display !== 'none' && e.getClientRects().length).length;
  const header = document.querySelector('.report__header');
  const notes = document.querySelector('.footnotes li, .references li');
  return {
    text: document.body.innerText,
    chrome: shown('.site-header, .site-nav, .lang-switch, .site-footer, .breadcrumb, .plist__tools, .pagination'),
    title: getComputedStyle(document.documentElement).getPropertyValue('--print-title').trim(),
    h1: (document.querySelector('h1') || {}).textContent,
    cover: header ? getComputedStyle(header).breakAfter : null,
    institution: document.querySelector('.report__institution') ? shown('.report__institution') : null,
    notesAlign: notes ? getComputedStyle(notes).textAlign : null,
  };
}

(async () => {
  const server = await serve(root);
  const origin = server.origin;
  const browser = await launch();
  const page = await localPage(await browser.newContext(), origin);

  // print.css: A4, the running title and the page number in the page margins
  const css = fs.readFileSync(path.join(root, 'css', 'print.css'), 'utf8');
  check(/@page\s*\{[^}]*size:\s*A4/.test(css), 'print.css: @page is A4');
  check(/@top-center\s*\{[^}]*content:\s*var\(--print-title/.test(css), 'print.css: @top-center has the running title');
  check(/@bottom-center\s*\{[^}]*content:\s*counter\(page\)/.test(css), 'print.css: @bottom-center has counter(page)');

  const nav = [];
  for (const rel of ['index.html', 'en/index.html', 'projects/index.html', 'en/cohorts/index.html',
    'projects/anti-fog-goggles/index.html', 'reports/2024-programme-evaluation/index.html',
    'en/reports/2024-programme-evaluation/index.html']) {
    await page.goto(origin + '/' + rel, { waitUntil: 'load' });
    // the menu's names as the page shows them on screen: none of them may print
    // (a menu name may also be a heading of the page: the menu is its names in a row)
    const menu = await page.$$eval('.site-nav a', (as) => as.map((a) => a.textContent.trim()));
    const footer = await page.$$eval('.site-footer__nav a, .lang-switch a', (as) => as.map((a) => a.textContent.trim()));
    nav.push(...menu);
    await page.emulateMedia({ media: 'print' });
    const p = await page.evaluate(printed);
    check(menu.length >= 6 && footer.length >= 3, `${rel}: the page has its navigation on screen (${menu.length}, ${footer.length} links)`);
    check(p.chrome === 0, `${rel}: no header, navigation, footer, breadcrumb or filters in print (${p.chrome} shown)`);
    const text = p.text.split('\n').map((l) => l.trim()).filter((l) => l).join('\n');
    check(!text.includes(menu.join('\n')), `${rel}: no navigation menu in print`);
    const left = footer.filter((m) => text.split('\n').includes(m));
    check(left.length === 0, `${rel}: no footer links or language switch in print: ${JSON.stringify(left)}`);
    check(p.title.length > 2 && p.title.startsWith('"'), `${rel}: --print-title is a CSS string: ${p.title}`);
    if (rel.startsWith('projects/') && !rel.endsWith('projects/index.html') || rel.includes('reports/')) {
      let want = '';
      try { want = JSON.parse(p.title); } catch (e) { want = ''; }
      check(want && p.h1.trim().startsWith(want.replace(/…$/, '')), `${rel}: the running title is the page's title: ${want}`);
    }
    if (rel.includes('reports/')) {
      check(p.cover === 'page', `${rel}: the report's header is a cover page (break-after: ${p.cover})`);
      check(p.institution === 1, `${rel}: the cover names the institution`);
      check(p.notesAlign === 'left' || p.notesAlign === 'start', `${rel}: references left-aligned (${p.notesAlign})`);
      const pdf = await page.pdf({ preferCSSPageSize: true });
      const count = /\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/.exec(pdf.toString('latin1'));
      const pages = count ? +count[1] : (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) || []).length;
      check(pages > 2, `${rel}: page.pdf() has a cover and more pages (${pages})`);
      // issue 13: the PDF's text (pdftotext, Debian's poppler-utils) has every table and
      // figure label the generator wrote (Table 1. ... Figure 3., 表 1 ... 图 3) and the page
      // numbers of print.css's @bottom-center ("2 / N" on every page but perhaps the cover)
      const labels = await page.$$eval('.caption-label', (ls) => ls.map((l) => l.textContent.trim()));
      const zh = rel.startsWith('reports/');
      const want = zh ? ['表 1', '表 2', '表 3', '图 1', '图 2', '图 3']
        : ['Table 1.', 'Table 2.', 'Table 3.', 'Figure 1.', 'Figure 2.', 'Figure 3.'];
      check(want.every((w) => labels.includes(w)), `${rel}: the page's caption labels: ${JSON.stringify(labels)}`);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'print-'));
      const file = path.join(tmp, 'report.pdf');
      fs.writeFileSync(file, pdf);
      let pdfText = '';
      try {
        pdfText = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
      } catch (e) {
        check(false, `${rel}: pdftotext (poppler-utils) failed: ${e.message}`);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      const flat = pdfText.replace(/\s+/g, ' ');
      // pdftotext ends each page with a form feed (the /Count read above may be a subtree's)
      const pdfPages = (pdfText.match(/\f/g) || []).length;
      check(pdfPages >= 3, `${rel}: pdftotext finds at least 3 pages (${pdfPages})`);
      for (const l of labels) check(flat.includes(l), `${rel}: the PDF text has the caption label ${l}`);
      const numbered = [];
      // (pdftotext may drop the narrow spaces of "2 / 8": "2/8")
      for (let n = 1; n <= pdfPages; n++) {
        if (new RegExp(`(^|\\D)${n} ?/ ?${pdfPages}(\\D|$)`).test(flat)) numbered.push(n);
      }
      check(pdfPages >= 3 && numbered.length >= pdfPages - 1 && numbered.includes(pdfPages),
        `${rel}: the PDF text has the page numbers "n / ${pdfPages}" (found on ${JSON.stringify(numbered)})`);
    }
    await page.emulateMedia({ media: 'screen' });
  }
  check(nav.includes('项目') && nav.includes('Projects'), 'the navigation checked in both languages');
  await browser.close();
  server.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(2);
});
