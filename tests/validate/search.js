#!/usr/bin/env node
// search.js SITE_DIR - the demo's search (issue 14) in Debian's /usr/bin/chromium through
// playwright-core, served over loopback HTTP (browser.js): a Chinese and an English query
// typed into the search page find the expected project first with the match marked; the
// header's form leads to the search page with its results; a query in capitals and one
// Chinese character work; and with JavaScript off the search page shows the lists to
// browse instead. Ends with "N passed, N failed"; exit 0 when all passed.
'use strict';
const path = require('path');
const { serve, launch, localPage } = require('./browser');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node search.js SITE_DIR');
  process.exit(2);
}
const root = path.resolve(dir);
let passed = 0, failed = 0;
function ok(cond, what) {
  if (cond) passed++;
  else { failed++; console.log(`FAIL: ${what}`); }
}

// the hits shown: [{href, title, marks}] once the status says how many were found
async function hits(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-search-status]').textContent;
    return s && !/…/.test(s) && (document.querySelector('[data-search-results] li') || /“/.test(s));
  }, null, { timeout: 10000 });
  return page.$$eval('[data-search-results] li', (lis) => lis.map((li) => ({
    href: li.querySelector('a').getAttribute('href'),
    title: li.querySelector('a').textContent,
    marks: [...li.querySelectorAll('mark')].map((m) => m.textContent),
  })));
}

async function typed(page, url, query) {
  await page.goto(url);
  await page.fill('#search-q', query);
  await page.press('#search-q', 'Enter');
  return hits(page);
}

(async () => {
  const server = await serve(root);
  const browser = await launch();
  try {
    const context = await browser.newContext();
    const page = await localPage(context, server.origin);
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));

    // Chinese: a word of a Chinese project title (带疏水导流槽的防雾护目镜), no spaces
    let h = await typed(page, `${server.origin}/search/`, '护目镜');
    ok(h.length > 0 && h[0].href === '/projects/anti-fog-goggles/',
      `Chinese query: the goggles project first (got ${JSON.stringify(h.slice(0, 2))})`);
    ok(h.length > 0 && h[0].marks.includes('护目镜'), `Chinese query: 护目镜 marked in the title (${h[0] && h[0].marks})`);
    ok(new URL(page.url()).searchParams.get('q') === '护目镜', 'the query is in the address (?q=)');

    // English: a title word, and the same in capitals (case folded)
    h = await typed(page, `${server.origin}/en/search/`, 'goggles');
    ok(h.length > 0 && h[0].href === '/en/projects/anti-fog-goggles/',
      `English query: the goggles project first (got ${JSON.stringify(h.slice(0, 2))})`);
    ok(h.length > 0 && h[0].marks.some((m) => m.toLowerCase() === 'goggles'), 'English query: goggles marked in the title');
    const status = await page.textContent('[data-search-status]');
    ok(/pages? found for “goggles”/.test(status), `English status line: ${status}`);
    h = await typed(page, `${server.origin}/en/search/`, 'GOGGLES');
    ok(h.length > 0 && h[0].href === '/en/projects/anti-fog-goggles/', 'a query in capitals finds the same page');
    // a prefix finds the words it starts; two words must both match
    h = await typed(page, `${server.origin}/en/search/`, 'goggl');
    ok(h.length > 0 && h[0].href === '/en/projects/anti-fog-goggles/', 'a word prefix (goggl) finds goggles');
    // a hit whose match comes after the first 480 characters of its text (the evaluation
    // report says goggles 12,000 characters in): its snippet comes from its text block
    // (f-B.json), around the match, marked
    h = await typed(page, `${server.origin}/en/search/`, 'goggles');
    const deep = await page.waitForFunction(() => {
      const a = document.querySelector('[data-search-results] a[href="/en/reports/2024-programme-evaluation/"]');
      const m = a && a.closest('li').querySelector('.search-hit__text mark');
      return m && m.textContent;
    }, null, { timeout: 10000 }).then((r) => r.jsonValue()).catch(() => null);
    ok(deep && deep.toLowerCase() === 'goggles', `a match deep in a report's text is marked in its snippet (${deep})`);
    h = await typed(page, `${server.origin}/en/search/`, 'hydrophobic goggles');
    ok(h.length > 0 && h[0].href === '/en/projects/anti-fog-goggles/', 'two words: the page with both first');
    // one Chinese character, and nothing found
    h = await typed(page, `${server.origin}/search/`, '镜');
    ok(h.length > 0, 'one Chinese character finds pages');
    h = await typed(page, `${server.origin}/en/search/`, 'zzyzxnotaword');
    ok(h.length === 0 && /Nothing found/.test(await page.textContent('[data-search-status]')), 'no hit: says nothing was found');

    // the header's form on another page: a plain GET to the search page, read on load
    await page.goto(`${server.origin}/en/`);
    await page.fill('#site-search-q', 'goggles');
    await Promise.all([page.waitForNavigation(), page.press('#site-search-q', 'Enter')]);
    ok(new URL(page.url()).pathname === '/en/search/', `the header form leads to /en/search/ (${page.url()})`);
    h = await hits(page);
    ok(h.length > 0 && h[0].href === '/en/projects/anti-fog-goggles/', 'the search page runs the ?q= query on load');
    ok(errors.length === 0, `no script errors: ${errors.join('; ')}`);
    await context.close();

    // JavaScript off: the fallback's links to the lists, no results
    const nojs = await browser.newContext({ javaScriptEnabled: false });
    const p2 = await localPage(nojs, server.origin);
    await p2.goto(`${server.origin}/en/search/?q=goggles`);
    const links = await p2.$$eval('.search__fallback a', (as) => as.map((a) => a.getAttribute('href')));
    ok(['/en/projects/', '/en/reports/', '/en/news/'].every((u) => links.includes(u)),
      `without JavaScript: links to the lists (${links})`);
    ok(await p2.isVisible('.search__fallback a[href="/en/projects/"]'), 'without JavaScript: the fallback is shown');
    ok(await p2.isVisible('.search-form'), 'without JavaScript: the form is still there');
    await nojs.close();
  } catch (e) {
    failed++;
    console.log(`FAIL: ${e.stack || e}`);
  } finally {
    await browser.close();
    server.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
