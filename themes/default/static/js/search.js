/* clinfolio default theme — search.js (MIT). The search page (search.html), as a
 * progressive enhancement: without this script the page says search needs JavaScript and
 * links to the lists. It reads the index clinfolio writes at build time (generator/search.h):
 * meta.json first, then only the term shards of the query's words (t-K.json) and the
 * document blocks of the hits it shows (d-B.json; for a hit whose match comes after the
 * first 480 characters of its text, its text block f-B.json too), so a large site is never
 * downloaded whole. The tokenizer is the generator's (search.c), rule for rule: tests/search_test.py
 * runs both on the same strings. No server, no storage, no other file. */
(function () {
  'use strict';

  var MAX_TOKEN_CHARS = 32;   // SEARCH_MAX_TOKEN_CHARS
  var FORMAT_VERSION = 2;     // SEARCH_FORMAT_VERSION
  var WEIGHT = [0, 1, 10, 100]; // body, meta, title (search_field)
  var PAGE_SIZE = 10;
  var MAX_PREFIX_SHARDS = 4;

  var WORD = /[\p{L}\p{N}]/u;
  var MARK = /\p{M}/u;
  var CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

  function plainCjk(cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3);
  }

  // one character folded: NFKD (Hangul syllables whole), marks dropped, lower case
  function foldChar(ch) {
    var cp = ch.codePointAt(0);
    if (cp < 0x80) return ch.toLowerCase();
    if (plainCjk(cp)) return ch;
    var out = '';
    for (var c of ch.normalize('NFKD')) if (!MARK.test(c)) out += c.toLowerCase();
    return out;
  }

  // 0 separator, 1 word, 2 CJK (of a folded character)
  function kindOf(c) {
    var cp = c.codePointAt(0);
    if (cp < 0x80) return /[a-z0-9]/.test(c) ? 1 : 0;
    if (plainCjk(cp)) return 2;
    if (!WORD.test(c)) return 0;
    return CJK.test(c) ? 2 : 1;
  }

  // search_tokenize(): words, and CJK runs as bigrams (plus every character for the
  // index, only a lone character for a query)
  function tokenize(text, forQuery) {
    var out = [], word = '', wordChars = 0, prev = '', run = 0;
    function endWord() { if (word) out.push(word); word = ''; wordChars = 0; }
    function endRun() { if (forQuery && run === 1) out.push(prev); prev = ''; run = 0; }
    for (var ch of text) {
      for (var c of foldChar(ch)) {
        var k = kindOf(c);
        if (k === 1) {
          endRun();
          if (wordChars < MAX_TOKEN_CHARS) { word += c; wordChars++; }
        } else if (k === 2) {
          endWord();
          if (!forQuery) out.push(c);
          if (prev) out.push(prev + c);
          prev = c; run++;
        } else {
          endWord(); endRun();
        }
      }
    }
    endWord(); endRun();
    return out;
  }

  // the generator sorts terms by UTF-8 bytes: compare by code points, not UTF-16 units
  function compare(a, b) {
    var ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
    for (;;) {
      var x = ia.next(), y = ib.next();
      if (x.done || y.done) return x.done === y.done ? 0 : (x.done ? -1 : 1);
      var d = x.value.codePointAt(0) - y.value.codePointAt(0);
      if (d) return d;
    }
  }

  if (typeof module !== 'undefined' && module.exports) { // node: the tokenizer test
    module.exports = { tokenize: tokenize, compare: compare };
    return;
  }

  var root = document.querySelector('[data-search]');
  if (!root) return;
  var base = root.dataset.searchIndex;
  var form = root.querySelector('form');
  var input = form.querySelector('input[name="q"]');
  var status = root.querySelector('[data-search-status]');
  var list = root.querySelector('[data-search-results]');
  var more = root.querySelector('[data-search-more]');
  var msg = root.dataset;
  var cache = {};

  function fetchJson(name) {
    if (!cache[name]) {
      cache[name] = fetch(base + name).then(function (r) {
        if (!r.ok) throw new Error(name + ': ' + r.status);
        return r.json();
      });
    }
    return cache[name];
  }

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  // the shard holding term: the last whose first term is not after it
  function shardOf(meta, term) {
    var lo = 0, hi = meta.shards.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (compare(meta.shards[mid], term) <= 0) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  // a word of at least 3 letters also finds the words it starts (goggle -> goggles),
  // at half weight; the shards its range spans, a few at most
  function shardsFor(meta, token, prefix) {
    var k = shardOf(meta, token), ks = [k];
    while (prefix && ks.length < MAX_PREFIX_SHARDS && k + 1 < meta.shards.length &&
           meta.shards[k + 1].startsWith(token)) ks.push(++k);
    return ks;
  }

  function isPrefixWord(token) {
    return kindOf(token[0]) === 1 && Array.from(token).length >= 3;
  }

  // each token: {doc: score} from its exact term and, for a word, the terms it starts
  function scoresFor(token, shards) {
    var scores = {}, prefix = isPrefixWord(token);
    shards.forEach(function (shard) {
      Object.keys(shard).forEach(function (term) {
        var exact = term === token;
        if (!exact && !(prefix && term.startsWith(token))) return;
        var doc = 0;
        shard[term].forEach(function (p) {
          doc += p >> 2;
          var s = WEIGHT[p & 3] / (exact ? 1 : 2);
          if (!(scores[doc] >= s)) scores[doc] = s;
        });
      });
    });
    return scores;
  }

  // every token must match (AND), else any (OR); best score first, ties in site order
  function rank(perToken) {
    function combine(all) {
      var total = {};
      perToken.forEach(function (scores, i) {
        Object.keys(scores).forEach(function (doc) {
          if (all && i > 0 && !(doc in total)) return;
          total[doc] = (total[doc] || 0) + scores[doc];
        });
        if (all && i > 0) Object.keys(total).forEach(function (doc) { if (!(doc in scores)) delete total[doc]; });
      });
      return Object.keys(total).map(function (doc) { return { doc: +doc, score: total[doc] }; });
    }
    var hits = combine(true), any = false;
    if (!hits.length && perToken.length > 1) { hits = combine(false); any = hits.length > 0; }
    hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
    return { hits: hits, any: any };
  }

  // the folded text of s with, for each folded character, where it came from in s
  function foldWithMap(s) {
    var folded = [], from = [], at = 0;
    for (var ch of s) {
      for (var c of foldChar(ch)) { folded.push(c); from.push([at, at + ch.length]); }
      at += ch.length;
    }
    return { chars: folded, from: from };
  }

  // ranges [start, end) of s to highlight: each query word where a word starts (to the
  // end of that word), each CJK run of the query (else its bigrams) anywhere
  function matchRanges(s, query) {
    var f = foldWithMap(s), text = f.chars, ranges = [];
    var needles = [];
    tokenize(query, true).forEach(function (t) { needles.push(Array.from(t)); });
    query.split(/\s+/).forEach(function (w) {
      var cjk = Array.from(w).filter(function (c) { return kindOf(foldChar(c)[0] || ' ') === 2; }).join('');
      if (Array.from(cjk).length > 2) needles.unshift(Array.from(cjk));
    });
    needles.forEach(function (n) {
      var word = kindOf(n[0]) === 1;
      for (var i = 0; i + n.length <= text.length; i++) {
        var j = 0;
        while (j < n.length && text[i + j] === n[j]) j++;
        if (j < n.length) continue;
        if (word && i > 0 && kindOf(text[i - 1]) === 1) continue;
        var end = i + n.length;
        if (word) while (end < text.length && kindOf(text[end]) === 1) end++;
        ranges.push([f.from[i][0], f.from[end - 1][1]]);
        i = end - 1;
      }
    });
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]); else merged.push(r.slice());
    });
    return merged;
  }

  // s into el as text nodes and <mark>s (never as HTML)
  function putMarked(el, s, ranges) {
    var at = 0;
    ranges.forEach(function (r) {
      if (r[0] > at) el.appendChild(document.createTextNode(s.slice(at, r[0])));
      var m = document.createElement('mark');
      m.textContent = s.slice(r[0], r[1]);
      el.appendChild(m);
      at = r[1];
    });
    if (at < s.length) el.appendChild(document.createTextNode(s.slice(at)));
  }

  // about 200 characters of the text around its first match
  function snippet(text, query) {
    var ranges = matchRanges(text, query), start = 0, end = Math.min(text.length, 200);
    if (ranges.length && ranges[0][1] > end) {
      start = Math.max(0, ranges[0][0] - 60);
      var space = text.indexOf(' ', start); // from a word's start, where words have spaces
      if (start > 0 && space >= 0 && space < ranges[0][0]) start = space + 1;
      end = Math.min(text.length, start + 200);
    }
    var s = (start > 0 ? '…' : '') + text.slice(start, end) + (end < text.length ? '…' : '');
    return { text: s, ranges: matchRanges(s, query) };
  }

  // hit: {doc, ...} of the index; its document block entry is doc (its first 480
  // characters of text); when no match is in them, its text block f-B.json has more
  function showHit(doc, hit, meta, query) {
    var li = document.createElement('li');
    li.className = 'search-hit';
    var h = document.createElement('h2');
    h.className = 'search-hit__title';
    var a = document.createElement('a');
    a.href = doc.url;
    putMarked(a, doc.title, matchRanges(doc.title, query));
    h.appendChild(a);
    li.appendChild(h);
    var label = msg['section' + (doc.section ? doc.section[0].toUpperCase() + doc.section.slice(1) : 'None')];
    if (label) {
      var kind = document.createElement('p');
      kind.className = 'search-hit__kind';
      kind.textContent = label;
      li.appendChild(kind);
    }
    var sn = snippet(doc.text, query), p = document.createElement('p');
    p.className = 'search-hit__text';
    putMarked(p, sn.text, sn.ranges);
    li.appendChild(p);
    list.appendChild(li);
    if (!sn.ranges.length) {
      var b = Math.floor(hit.doc / meta.block);
      fetchJson('f-' + b + '.json').then(function (texts) {
        var full = snippet(texts[hit.doc % meta.block] || '', query);
        if (!full.ranges.length) return;
        p.textContent = '';
        putMarked(p, full.text, full.ranges);
      }).catch(function () {}); // the first part stays
    }
  }

  var current = null; // {query, hits, shown}

  function showMore(meta) {
    var run = current, page = run.hits.slice(run.shown, run.shown + PAGE_SIZE);
    var blocks = {};
    page.forEach(function (h) { blocks[Math.floor(h.doc / meta.block)] = true; });
    return Promise.all(Object.keys(blocks).map(function (b) {
      return fetchJson('d-' + b + '.json').then(function (docs) { blocks[b] = docs; });
    })).then(function () {
      if (run !== current) return;
      page.forEach(function (h) { showHit(blocks[Math.floor(h.doc / meta.block)][h.doc % meta.block], h, meta, run.query); });
      run.shown += page.length;
      more.hidden = run.shown >= run.hits.length;
    });
  }

  function search(query) {
    var tokens = tokenize(query, true).filter(function (t, i, all) { return all.indexOf(t) === i; });
    var run = current = { query: query, hits: [], shown: 0 };
    list.textContent = '';
    more.hidden = true;
    if (!tokens.length) { status.textContent = ''; return Promise.resolve(); }
    status.textContent = msg.msgLoading;
    return fetchJson('meta.json').then(function (meta) {
      if (meta.version !== FORMAT_VERSION) throw new Error('index version ' + meta.version);
      // a site without pages has no term shard: nothing to load, nothing found
      var loads = !meta.shards.length ? Promise.resolve([{}]) : Promise.all(tokens.map(function (t) {
        return Promise.all(shardsFor(meta, t, isPrefixWord(t)).map(function (k) {
          return fetchJson('t-' + k + '.json');
        })).then(function (shards) { return scoresFor(t, shards); });
      }));
      return loads.then(function (perToken) {
        if (run !== current) return;
        var r = rank(perToken);
        run.hits = r.hits;
        var n = r.hits.length;
        var said = n === 0 ? format(msg.msgNone, { query: query })
          : format(n === 1 ? msg.msgOne : msg.msgOther, { n: n, query: query }) + (r.any ? ' ' + msg.msgAny : '');
        // said once the first hits are on the page (the status is a live region)
        return (n ? showMore(meta) : Promise.resolve()).then(function () {
          if (run === current) status.textContent = said;
        });
      });
    }).catch(function () {
      if (run === current) status.textContent = msg.msgError;
    });
  }

  function fromLocation() {
    var q = new URLSearchParams(location.search).get('q') || '';
    input.value = q;
    return search(q);
  }

  var timer = null;
  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 200);
  });
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    clearTimeout(timer);
    var url = new URL(location.href);
    url.searchParams.set('q', input.value);
    history.pushState(null, '', url);
    search(input.value);
  });
  window.addEventListener('popstate', fromLocation);
  more.addEventListener('click', function () {
    fetchJson('meta.json').then(showMore);
  });
  root.classList.add('search--ready');
  fromLocation();
})();
