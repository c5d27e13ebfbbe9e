#!/usr/bin/env node
// facets.js DEMO_OUT GENERATED_OUT EXPECTED.json - the project list's filters (issue 14,
// part 4) in Debian's /usr/bin/chromium through playwright-core, over loopback HTTP
// (browser.js). Run by tests/facets_test.py --browser, which builds the sites (the demo at
// paginate: 5, 27 projects on 6 pages; 450 generated projects) and recounts every
// project's cohort, department, status and furthest stage from the front matter into
// EXPECTED.json ({demo: {zh, en: {url: facets}, counts}, generated: {en}}):
//  - each filter's options count the recount's projects; choosing a cohort puts it in the
//    query string and shows its projects, and only them, across the script's pages, with
//    the other filters' counts given that cohort;
//  - the client pages, back and forward, a reload; a URL with a query on /projects/page/3/;
//  - the rows the script writes say what the generator's rows say (each cell's text), and
//    show the 480 px picture (WebP, empty alt, lazy) where a project has an image;
//  - sorted by name across every page; Chinese list by department;
//  - JavaScript off: the facet list with counts, cohorts and departments as links;
//  - 450 projects: the list reads index.json alone until a filter, then only the row files
//    it shows; a cohort's projects across pages of 50.
// Ends with "N passed, N failed"; exit 0 when all passed.
'use strict';
const fs = require('fs');
const path = require('path');
const { serve, launch, localPage } = require('./browser');

const [demoDir, genDir, expectedFile] = process.argv.slice(2);
if (!expectedFile) {
  console.error('usage: node facets.js DEMO_OUT GENERATED_OUT EXPECTED.json');
  process.exit(2);
}
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
let passed = 0, failed = 0;
function ok(cond, what) {
  if (cond) passed++;
  else { failed++; console.log(`FAIL: ${what}`); }
}
const same = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

// URLs of the expected projects of lang whose facet matches value ('_none': none)
function want(site, lang, filters) {
  return Object.entries(expected[site][lang]).filter(([, p]) => Object.entries(filters).every(([f, v]) =>
    v === '_none' ? !p[f] : [].concat(p[f] || []).includes(v))).map(([url]) => url);
}

// the list once the script is done: its form shown and nothing loading
async function ready(page) {
  await page.waitForSelector('[data-plist-tools]:not([hidden])', { timeout: 10000 });
  await page.waitForSelector('[data-project-list]:not([aria-busy])', { timeout: 10000 });
}

const rowUrls = (page) => page.$$eval('[data-project-list] tbody tr', (trs) =>
  trs.map((tr) => tr.querySelector('th a').getAttribute('href')));

// the rows of every client page, following "next" from the one shown
async function walk(page) {
  const urls = [...await rowUrls(page)];
  let pages = 1;
  while (await page.$('[data-plist-pager]:not([hidden]) a[rel="next"]')) {
    await page.click('[data-plist-pager] a[rel="next"]');
    await ready(page);
    urls.push(...await rowUrls(page));
    pages++;
  }
  return { urls, pages };
}

// {value: count} of a filter's options ("Cohort 2023 (10)"), the "All" option as ''
const optionCounts = (page, facet) => page.$$eval(`#plist-${facet} option`, (opts) =>
  Object.fromEntries(opts.map((o) => [o.value, +(/[(（](\d+)[)）]$/.exec(o.textContent) || [0, -1])[1]])));

// each row's cells as text: {url: [cell texts]}
const cellTexts = (page) => page.$$eval('[data-project-list] tbody tr', (trs) => Object.fromEntries(trs.map((tr) =>
  [tr.querySelector('th a').getAttribute('href'), [...tr.cells].map((c) => c.textContent.replace(/\s+/g, ' ').trim())])));

async function demo(browser, origin) {
  const context = await browser.newContext();
  const page = await localPage(context, origin);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const counts = expected.demo.counts;

  await page.goto(`${origin}/en/projects/`);
  await ready(page);
  ok(await page.isHidden('[data-plist-facets]'), 'with JavaScript the facet list gives way to the filters');
  const serverRows = await rowUrls(page);
  ok(serverRows.length === 5, `the page's own 5 rows (${serverRows.length})`);
  for (const facet of ['cohort', 'department', 'status', 'stage']) {
    const got = await optionCounts(page, facet);
    const all = got[''];
    delete got[''];
    ok(all === 27 && JSON.stringify(Object.entries(got).sort()) === JSON.stringify(Object.entries(counts[facet]).sort()),
      `${facet}: every option counts the whole list's projects: ${JSON.stringify(got)} (All ${all}), want ${JSON.stringify(counts[facet])}`);
  }

  // choose a cohort
  await page.selectOption('#plist-cohort', '2023');
  await ready(page);
  const cohort = want('demo', 'en', { cohort: '2023' });
  ok(new URL(page.url()).search === '?cohort=2023', `the query string holds the cohort: ${page.url()}`);
  ok((await page.textContent('[data-plist-status]')).includes(`Showing ${cohort.length} of 27`),
    `the status line counts ${cohort.length} of 27: ${await page.textContent('[data-plist-status]')}`);
  ok(await page.isHidden('[data-plist-pages]') && await page.isVisible('[data-plist-pager]'),
    "the script's page links replace the list's own");
  const statusCounts = await optionCounts(page, 'status');
  const statusWant = {};
  for (const url of cohort) {
    const s = expected.demo.en[url].status || '_none';
    statusWant[s] = (statusWant[s] || 0) + 1;
  }
  delete statusCounts[''];
  ok(JSON.stringify(Object.entries(statusCounts).filter(([, n]) => n).sort()) === JSON.stringify(Object.entries(statusWant).sort()),
    `the status options count within the cohort: ${JSON.stringify(statusCounts)}, want ${JSON.stringify(statusWant)}`);
  const first = await rowUrls(page);
  ok(first.length === Math.min(5, cohort.length), `the first page shows ${Math.min(5, cohort.length)} rows (${first.length})`);
  const walked = await walk(page);
  ok(same(walked.urls, cohort) && new Set(walked.urls).size === walked.urls.length,
    `across the pages exactly the cohort's projects: ${walked.urls.length} of ${cohort.length}`);
  ok(walked.pages === Math.ceil(cohort.length / 5), `${Math.ceil(cohort.length / 5)} pages of 5 (${walked.pages})`);
  ok(/[?&]page=2\b/.test(page.url()) && /cohort=2023/.test(page.url()), `page 2 in the query string: ${page.url()}`);
  const second = await rowUrls(page);

  // back and forward, reload
  await page.goBack();
  await ready(page);
  ok(new URL(page.url()).search === '?cohort=2023' && same(await rowUrls(page), first), 'back: the first page of the cohort');
  await page.goBack();
  await ready(page);
  ok(new URL(page.url()).search === '' && JSON.stringify(await rowUrls(page)) === JSON.stringify(serverRows) &&
    await page.isVisible('[data-plist-pages] .pagination') && await page.isHidden('[data-plist-pager]') &&
    await page.inputValue('#plist-cohort') === '', "back again: no filter, the page's own rows and page links");
  await page.goForward();
  await ready(page);
  ok(await page.inputValue('#plist-cohort') === '2023' && same(await rowUrls(page), first), 'forward: the cohort again');
  await page.goForward();
  await ready(page);
  await page.reload();
  await ready(page);
  ok(await page.inputValue('#plist-cohort') === '2023' && same(await rowUrls(page), second),
    'a reload keeps the cohort and the page');

  // a shared URL on another page of the list
  const both = want('demo', 'en', { cohort: '2022', status: 'transferred' });
  await page.goto(`${origin}/en/projects/page/3/?cohort=2022&status=transferred`);
  await ready(page);
  const got = await walk(page);
  ok(both.length > 0 && same(got.urls, both) && await page.inputValue('#plist-status') === 'transferred' &&
    await page.inputValue('#plist-cohort') === '2022',
  `/en/projects/page/3/?cohort=2022&status=transferred: ${got.urls.length} rows, want ${both.length}`);
  await page.goto(`${origin}/en/projects/?cohort=1999&status=active`);
  await ready(page);
  ok(new URL(page.url()).search === '?status=active' && await page.inputValue('#plist-cohort') === '',
    `a value the list does not have is dropped from the query: ${page.url()}`);

  // the script's rows against the generator's: the same text in every cell, the pictures
  const server = {};
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const plain = await localPage(nojs, origin);
  for (let k = 1; k <= 6; k++) {
    await plain.goto(`${origin}/en/projects/${k > 1 ? `page/${k}/` : ''}`);
    Object.assign(server, await cellTexts(plain));
  }
  ok(Object.keys(server).length === 27, `27 rows on the 6 pages without JavaScript (${Object.keys(server).length})`);
  await page.goto(`${origin}/en/projects/?sort=name-ascending`);
  await ready(page);
  const scripted = {}, titles = [];
  for (;;) {
    Object.assign(scripted, await cellTexts(page));
    titles.push(...await page.$$eval('tbody th a', (as) => as.map((a) => a.textContent)));
    if (!await page.$('[data-plist-pager] a[rel="next"]')) break;
    await page.click('[data-plist-pager] a[rel="next"]');
    await ready(page);
  }
  const differ = Object.keys(server).filter((u) => JSON.stringify(server[u]) !== JSON.stringify(scripted[u]));
  ok(Object.keys(scripted).length === 27 && differ.length === 0,
    `every row the script writes reads as the generator's (${differ.length} differ: ${differ.slice(0, 2).map((u) =>
      JSON.stringify([server[u], scripted[u]])).join(' ')})`);
  const sorted = await page.evaluate((t) => {
    const c = new Intl.Collator(document.documentElement.lang, { numeric: true });
    return t.slice().sort((a, b) => c.compare(a, b));
  }, titles);
  ok(JSON.stringify(titles) === JSON.stringify(sorted), 'sorted by name across every page');

  // pictures: a project with an image shows its 480 px variant, WebP first, alt empty
  await page.goto(`${origin}/en/projects/?cohort=2023&page=1`);
  await ready(page);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.waitForFunction(() => [...document.querySelectorAll('.plist__thumb img')].every((i) => i.complete), null, { timeout: 10000 });
  const pics = await page.$$eval('[data-project-list] tbody tr', (trs) => trs.map((tr) => {
    const img = tr.querySelector('th picture.plist__thumb img'), src = tr.querySelector('th picture source');
    return { url: tr.querySelector('th a').getAttribute('href'), img: img && {
      alt: img.getAttribute('alt'), loading: img.getAttribute('loading'), width: img.getAttribute('width'),
      height: img.getAttribute('height'), src: img.getAttribute('src'), webp: src && src.getAttribute('srcset'),
      type: src && src.type, loaded: img.naturalWidth, current: img.currentSrc } };
  }));
  const withImage = pics.filter((p) => expected.demo.en[p.url].image);
  ok(withImage.length > 0 && pics.every((p) => !!p.img === !!expected.demo.en[p.url].image),
    `a picture in exactly the rows of projects with an image (${withImage.length} of ${pics.length})`);
  ok(withImage.every((p) => p.img.alt === '' && p.img.loading === 'lazy' && p.img.width === '480' && +p.img.height > 0 &&
    /-480\.jpg$/.test(p.img.src) && /-480\.webp$/.test(p.img.webp) && p.img.type === 'image/webp'),
  `each picture: the 480 px JPEG, its WebP first, width/height, lazy, alt="": ${JSON.stringify(withImage[0] && withImage[0].img)}`);
  ok(withImage.every((p) => p.img.loaded === 480 && /\.webp$/.test(p.img.current)),
    'each picture loads, as WebP, 480 px wide');

  // the Chinese list, by department
  const anes = want('demo', 'zh', { department: 'anesthesiology' });
  await page.goto(`${origin}/projects/?department=anesthesiology`);
  await ready(page);
  const zh = await walk(page);
  ok(anes.length > 0 && same(zh.urls, anes), `/projects/?department=anesthesiology: ${zh.urls.length}, want ${anes.length}`);
  ok((await page.textContent('[data-plist-status]')).includes(`显示27个项目中的${anes.length}个`),
    `the Chinese status line: ${await page.textContent('[data-plist-status]')}`);

  // without JavaScript: the facet list with its counts and links, the page's own rows
  await plain.goto(`${origin}/en/projects/page/2/`);
  ok(await plain.isHidden('[data-plist-tools]') && await plain.isVisible('[data-plist-facets]'),
    'without JavaScript: no form, the facet list');
  const links = await plain.$$eval('[data-facet-list] li', (lis) => lis.map((li) => ({
    facet: li.closest('[data-facet-list]').dataset.facetList, value: li.dataset.facetValue,
    href: li.querySelector('a') && li.querySelector('a').getAttribute('href'),
    n: +(/[(（](\d+)[)）]$/.exec(li.textContent) || [0, -1])[1] })));
  ok(links.filter((l) => l.facet === 'cohort').every((l) => l.href === `/en/cohorts/${l.value}/` && l.n === counts.cohort[l.value]) &&
    links.filter((l) => l.facet === 'department').every((l) => l.href === `/en/departments/${l.value}/` && l.n === counts.department[l.value]) &&
    links.filter((l) => l.facet === 'status' || l.facet === 'stage').every((l) => !l.href && l.n === counts[l.facet][l.value]) &&
    links.length === Object.values(counts).reduce((n, c) => n + Object.keys(c).length, 0),
  `without JavaScript: every value's count, cohorts and departments linked: ${JSON.stringify(links.slice(0, 3))}`);
  ok(errors.length === 0, `no script errors: ${errors.join('; ')}`);
  await nojs.close();
  await context.close();
}

async function generated(browser, origin) {
  const context = await browser.newContext();
  const page = await localPage(context, origin);
  const fetched = [];
  page.on('request', (r) => { if (/\/facets\//.test(r.url())) fetched.push(new URL(r.url()).pathname); });
  await page.goto(`${origin}/projects/`);
  await ready(page);
  ok(JSON.stringify(fetched) === '["/facets/en/index.json"]', `no filter: index.json alone is read (${fetched})`);
  const cohort = want('generated', 'en', { cohort: '2023' });
  await page.selectOption('#plist-cohort', '2023');
  await ready(page);
  const first = await rowUrls(page);
  const files = fetched.filter((f) => /rows-/.test(f));
  ok(first.length === Math.min(50, cohort.length) && files.length >= 1 && files.length <= 3,
    `a cohort: its first 50 rows, read from ${files.join(', ')}`);
  const got = await walk(page);
  ok(same(got.urls, cohort) && got.pages === Math.ceil(cohort.length / 50),
    `450 projects, cohort 2023: ${got.urls.length} rows on ${got.pages} pages, want ${cohort.length}`);
  await page.goto(`${origin}/projects/page/5/?cohort=2023&department=nursing`);
  await ready(page);
  const nursing = want('generated', 'en', { cohort: '2023', department: 'nursing' });
  ok(nursing.length > 0 && same((await walk(page)).urls, nursing),
    `/projects/page/5/?cohort=2023&department=nursing: ${nursing.length} projects`);
  await context.close();
}

(async () => {
  const browser = await launch();
  const a = await serve(path.resolve(demoDir)), b = await serve(path.resolve(genDir));
  try {
    await demo(browser, a.origin);
    await generated(browser, b.origin);
  } catch (e) {
    failed++;
    console.log(`FAIL: ${e.stack || e}`);
  } finally {
    a.close();
    b.close();
    await browser.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
