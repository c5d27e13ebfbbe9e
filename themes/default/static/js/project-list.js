/* clinfolio default theme — project-list.js (MIT). The project list's filters and sort order
 * (projects/list.html) over the whole list, every page of it, as a progressive enhancement:
 * without this script (or when the list's data cannot be read) the page shows its own
 * projects and the facet list links to the cohort and department pages.
 *
 * It reads the list's data files (data-facets-url: index.json, every project's facet values
 * and days; rows-K.json, each project's title, URL, stages and picture; written by the
 * generator, generator/facets.h), fills each filter with the values of the facet list
 * (data-facet-value, data-label) and the number of projects each would show given the other
 * filters, and keeps the selection in the query string (?cohort=2023&sort=name-ascending
 * &page=2), so that it can be shared, reloaded and walked with back and forward. With a
 * filter or another sort order it shows the matching projects of the whole list, a page
 * (data-page-size) at a time with its own page links, in rows written like
 * partials/project-row.html's; with none, the page's own rows and page links. The texts
 * are the section's data-msg-* attributes. No server, no storage. */
(function () {
  'use strict';
  var root = document.querySelector('[data-project-list]');
  if (!root || !window.fetch || !window.history || !history.pushState) return;
  var msg = root.dataset;
  var form = root.querySelector('[data-plist-tools]');
  var tbody = root.querySelector('tbody');
  var status = root.querySelector('[data-plist-status]');
  var empty = root.querySelector('[data-plist-empty]');
  var facetList = root.querySelector('[data-plist-facets]');
  var pager = root.querySelector('[data-plist-pager]');
  var ownPager = root.querySelector('[data-plist-pages]');
  var rowShape = root.querySelector('template[data-plist-row]');
  var sortSelect = form.querySelector('[data-sort-select]');
  var selects = Array.prototype.slice.call(form.querySelectorAll('[data-facet-select]'));
  var heads = Array.prototype.slice.call(root.querySelectorAll('th[data-sort-key]'));
  var ownRows = Array.prototype.slice.call(tbody.rows);
  var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
  var pageSize = +msg.pageSize || 0; // 0: every match on one page
  var DEFAULT_SORT = 'cohort descending';
  var NONE = '_none'; // the value of "no value" (generator/facets.h FACETS_NONE)
  var MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];

  // each facet's values as the facet list names them: facet -> {value: {label, cell, url}}
  var labels = {}, listed = {};
  facetList.querySelectorAll('[data-facet-list]').forEach(function (div) {
    var facet = div.dataset.facetList;
    labels[facet] = {};
    listed[facet] = [];
    div.querySelectorAll('[data-facet-value]').forEach(function (li) {
      var a = li.querySelector('a');
      labels[facet][li.dataset.facetValue] = { label: li.dataset.label,
        cell: li.dataset.cell || li.dataset.label, url: a ? a.getAttribute('href') : '' };
      listed[facet].push(li.dataset.facetValue);
    });
  });

  var data;          // index.json
  var names = [];    // facet names, in index.json's order
  var valueIndex = []; // per facet: {value: its index in data.values}, NONE -> -1
  var files = {};    // rows-K.json promises
  var shown = 0;     // the render whose rows may still be written

  function text(template, args) {
    return template.replace(/\{(\w+)\}/g, function (all, k) { return k in args ? args[k] : all; });
  }

  // ---- the selection, in the query string --------------------------------------------

  function parseState(search) {
    var q = new URLSearchParams(search);
    var state = { sel: names.map(function (name, k) {
      var v = q.get(name); // a value the facet list does not show is no filter
      return v !== null && labels[name] && v in labels[name] && v in valueIndex[k] ? valueIndex[k][v] : null;
    }), sort: DEFAULT_SORT, page: Math.max(1, parseInt(q.get('page'), 10) || 1) };
    var sort = (q.get('sort') || '').replace('-', ' ');
    if (Array.prototype.some.call(sortSelect.options, function (o) { return o.value === sort; })) state.sort = sort;
    return state;
  }

  function query(state, page) {
    var q = new URLSearchParams();
    names.forEach(function (name, k) {
      if (state.sel[k] !== null) q.set(name, state.sel[k] < 0 ? NONE : data.values[k][state.sel[k]]);
    });
    if (state.sort !== DEFAULT_SORT) q.set('sort', state.sort.replace(' ', '-'));
    if (page > 1 && chosen(state)) q.set('page', page); // else the path says the page
    var s = q.toString();
    return location.pathname + (s ? '?' + s : '');
  }

  function chosen(state) {
    return state.sort !== DEFAULT_SORT || state.sel.some(function (v) { return v !== null; });
  }

  // ---- filtering and counting over index.json ------------------------------------------

  function has(p, k, want) { // want: a value's index, or -1 for none
    var v = p[k];
    return typeof v === 'number' ? v === want : want >= 0 && v.indexOf(want) >= 0;
  }

  function matches(p, state, except) {
    for (var k = 0; k < names.length; k++)
      if (k !== except && state.sel[k] !== null && !has(p, k, state.sel[k])) return false;
    return true;
  }

  // each option: how many projects it would show, the other filters as they are
  function count(state) {
    selects.forEach(function (sel) {
      var k = names.indexOf(sel.dataset.facetSelect);
      var n = {}, all = 0;
      data.projects.forEach(function (p) {
        if (!matches(p, state, k)) return;
        all++;
        [].concat(p[k]).forEach(function (v) { n[v] = (n[v] || 0) + 1; });
      });
      Array.prototype.forEach.call(sel.options, function (opt) {
        var v = opt.value === '' ? null : valueIndex[k][opt.value];
        opt.textContent = text(status.dataset.facetCount,
          { label: opt.dataset.label, n: v === null ? all : n[v] || 0 });
      });
      sel.value = state.sel[k] === null ? '' : state.sel[k] < 0 ? NONE : data.values[k][state.sel[k]];
    });
  }

  function first(p, facet) {
    var k = names.indexOf(facet);
    return k < 0 ? -1 : [].concat(p[k])[0];
  }

  // the sort keys: a cohort's place from the oldest and a stage's in site.stages (the
  // values come in those orders), 0 without one; days (the last item), -1 without
  var KEYS = {
    cohort: function (p) { var v = first(p, 'cohort'); return v < 0 ? 0 : data.values[names.indexOf('cohort')].length - v; },
    stage: function (p) { var v = first(p, 'stage'); return v < 0 ? 0 : v + 1; }
  };

  // project indexes in the chosen order; ties keep the list's own (newest first)
  function sorted(list, sort, titles) {
    var key = sort.split(' ')[0], sign = sort.split(' ')[1] === 'descending' ? -1 : 1;
    return list.sort(function (a, b) {
      var pa = data.projects[a], pb = data.projects[b], c;
      if (key === 'days') {
        var da = pa[names.length], db = pb[names.length];
        c = da < 0 || db < 0 ? (da < 0) - (db < 0) : sign * (da - db); // no days: always last
      } else if (key === 'name') c = sign * collator.compare(titles(a), titles(b));
      else c = sign * (KEYS[key](pa) - KEYS[key](pb));
      return c || a - b;
    });
  }

  // ---- rows-K.json ----------------------------------------------------------------------

  function rowFile(k) {
    if (!files[k]) files[k] = fetch(msg.facetsUrl + 'rows-' + k + '.json').then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    });
    return files[k];
  }

  // resolves to row(i) once the files holding the rows of list are read
  function rowsOf(list) {
    var need = {};
    list.forEach(function (i) { need[Math.floor(i / data.rows)] = true; });
    var keys = Object.keys(need);
    return Promise.all(keys.map(rowFile)).then(function (got) {
      var byFile = {};
      keys.forEach(function (k, j) { byFile[k] = got[j]; });
      return function (i) { return byFile[Math.floor(i / data.rows)][i % data.rows]; };
    });
  }

  function el(tag, cls, content) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (content !== undefined) e.textContent = content;
    return e;
  }

  function strftime(iso, format) {
    var d = iso.split('-').map(Number);
    return format.replace(/%(-?)([YmdeBb%])/g, function (all, bare, c) {
      var n = c === 'm' ? d[1] : c === 'd' ? d[2] : c === 'e' ? d[2] : null;
      if (c === 'Y') return String(d[0]);
      if (c === 'B') return MONTHS[d[1] - 1];
      if (c === 'b') return MONTHS[d[1] - 1].slice(0, 3);
      if (c === '%') return '%';
      return bare || c === 'e' || n > 9 ? String(n) : '0' + n;
    });
  }

  // partials/picture.html thumb(): the narrowest variant, WebP first, alt empty (the title
  // beside it names the project)
  function thumb(t, url) {
    var src = /^\/|:/.test(t[0]) ? t[0] : url + t[0];
    var pic = el('picture', 'plist__thumb');
    if (t[3]) {
      var source = el('source');
      source.type = 'image/webp';
      source.srcset = src.replace(/\.[^./]+$/, '.webp');
      pic.appendChild(source);
    }
    var img = el('img');
    img.src = src;
    img.width = t[1];
    img.height = t[2];
    img.alt = '';
    img.loading = 'lazy';
    img.decoding = 'async';
    pic.appendChild(img);
    return pic;
  }

  function valueCell(td, facet, p, write) {
    var k = names.indexOf(facet);
    var v = k < 0 ? [-1] : [].concat(p[k]);
    if (v[0] < 0) {
      var none = (labels[facet] || {})[NONE];
      td.textContent = none ? none.cell : '—';
      return;
    }
    v.forEach(function (i, j) {
      if (j) td.appendChild(document.createTextNode(msg.msgSep));
      var key = data.values[k][i], l = labels[facet][key] || { label: key, cell: key, url: '' };
      td.appendChild(write(l, key));
    });
  }

  // one row as partials/project-row.html writes it
  function rowHtml(i, row) {
    var p = data.projects[i];
    var tr = rowShape.content.firstElementChild.cloneNode(true);
    var cells = tr.cells, title = row[0], url = row[1], lang = row[2];
    if (row[5]) cells[0].appendChild(thumb(row[5], url));
    var a = el('a', '', title);
    a.href = url;
    if (lang) { a.lang = lang; a.hreflang = lang; }
    cells[0].appendChild(a);
    if (lang) {
      cells[0].appendChild(document.createTextNode(' '));
      var name = msg['msgLanguage' + lang.toLowerCase().replace(/(^|-)(\w)/g, function (all, d, c) { return c.toUpperCase(); })];
      cells[0].appendChild(el('span', 'badge badge--lang', name || text(msg.msgInLanguage, { language: lang })));
    }
    valueCell(cells[1], 'cohort', p, function (l) {
      var link = el(l.url ? 'a' : 'span', '', l.cell);
      if (l.url) link.href = l.url;
      return link;
    });
    valueCell(cells[2], 'department', p, function (l) { return el('span', '', l.cell); });
    valueCell(cells[3], 'status', p, function (l, key) { return el('span', 'badge badge--status badge--' + key, l.cell); });
    valueCell(cells[4], 'stage', p, function (l) { return el('span', '', l.cell); });
    if (row[4] && first(p, 'stage') >= 0) {
      var when = el('span', 'muted nowrap');
      var time = el('time', '', strftime(row[4], msg.dateFormat));
      time.dateTime = row[4];
      when.append(msg.msgParenOpen, time, msg.msgParenClose);
      cells[4].append(' ', when);
    }
    var progress = el('span', 'plist__progress'), strip = el('span', 'stage-strip');
    strip.setAttribute('aria-hidden', 'true');
    for (var s = 0; s < +msg.stages; s++)
      strip.appendChild(el('span', 'stage-strip__seg' + (row[3].indexOf(s) >= 0 ? ' is-reached' : '')));
    progress.append(strip, ' ', el('span', 'muted', text(msg.msgStages, { n: row[3].length, total: msg.stages })));
    cells[4].append('\n', progress);
    var days = p[names.length];
    cells[5].textContent = days < 0 ? '—' : String(days);
    return tr;
  }

  // ---- showing a state -------------------------------------------------------------------

  function pageLink(state, page, label, rel) {
    var li = el('li'), a = el('a', 'pagination__link', label);
    a.href = query(state, page);
    if (rel) a.rel = rel;
    a.addEventListener('click', function (e) {
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button) return; // a new tab reads the query
      e.preventDefault();
      go({ sel: state.sel, sort: state.sort, page: page });
      root.scrollIntoView();
    });
    li.appendChild(a);
    return li;
  }

  function showPager(state, page, total) {
    var ul = pager.querySelector('ul');
    ul.textContent = '';
    if (page > 1) ul.append(pageLink(state, 1, msg.msgFirst), pageLink(state, page - 1, msg.msgPrevious, 'prev'));
    var current = el('span', 'pagination__current', text(msg.msgCurrent, { n: page, total: total }));
    current.setAttribute('aria-current', 'page');
    ul.appendChild(el('li')).appendChild(current);
    if (page < total) ul.append(pageLink(state, page + 1, msg.msgNext, 'next'), pageLink(state, total, msg.msgLast));
    pager.hidden = total < 2;
  }

  function showRows(trs) {
    tbody.textContent = '';
    trs.forEach(function (tr) { tbody.appendChild(tr); });
  }

  function finished(token) {
    if (token === shown) root.removeAttribute('aria-busy');
  }

  // aria-busy while the rows of a choice are read (tests wait for its end)
  function render(state) {
    var token = ++shown;
    root.setAttribute('aria-busy', 'true');
    count(state);
    sortSelect.value = state.sort;
    heads.forEach(function (th) {
      if (th.dataset.sortKey === state.sort.split(' ')[0]) th.setAttribute('aria-sort', state.sort.split(' ')[1]);
      else th.removeAttribute('aria-sort');
    });
    var list = [];
    data.projects.forEach(function (p, i) { if (matches(p, state, -1)) list.push(i); });
    status.textContent = text(status.dataset.text, { n: list.length, total: data.count });
    empty.hidden = list.length > 0;
    if (!chosen(state)) { // the page as written
      showRows(ownRows);
      pager.hidden = true;
      if (ownPager) ownPager.hidden = false;
      finished(token);
      return Promise.resolve();
    }
    if (ownPager) ownPager.hidden = true;
    var per = pageSize || list.length || 1, pages = Math.max(1, Math.ceil(list.length / per));
    var page = Math.min(state.page, pages);
    var byName = state.sort.split(' ')[0] === 'name';
    return (byName ? rowsOf(list) : Promise.resolve(null)).then(function (titles) {
      var order = sorted(list, state.sort, titles && function (i) { return titles(i)[0]; });
      var part = order.slice((page - 1) * per, page * per);
      return rowsOf(part).then(function (row) {
        if (token !== shown) return; // another choice came first
        showRows(part.map(function (i) { return rowHtml(i, row(i)); }));
        showPager(state, page, pages);
        finished(token);
      });
    }).catch(function () {
      if (token === shown) status.textContent = ''; // leaves the rows as they were
      finished(token);
    });
  }

  function go(state) {
    history.pushState(null, '', query(state, state.page));
    return render(state);
  }

  function current() {
    return parseState(location.search);
  }

  // ---- setting up, once index.json is read ----------------------------------------------

  function fillOptions() {
    selects.forEach(function (sel) {
      var facet = sel.dataset.facetSelect;
      sel.options[0].dataset.label = sel.options[0].textContent;
      (listed[facet] || []).forEach(function (v) {
        var opt = el('option', '', labels[facet][v].label);
        opt.value = v;
        opt.dataset.label = labels[facet][v].label;
        sel.appendChild(opt);
      });
      if ((listed[facet] || []).length < 2) sel.closest('.plist__field').hidden = true;
    });
  }

  function sortButtons() {
    heads.forEach(function (th) {
      var button = el('button', 'sort-button');
      button.type = 'button';
      while (th.firstChild) button.appendChild(th.firstChild);
      var icon = el('span', 'sort-button__icon');
      icon.setAttribute('aria-hidden', 'true');
      button.appendChild(icon);
      th.appendChild(button);
      button.addEventListener('click', function () {
        var key = th.dataset.sortKey, state = current();
        var dir = th.getAttribute('aria-sort');
        dir = dir === 'ascending' ? 'descending' : dir === 'descending' ? 'ascending'
          : key === 'name' ? 'ascending' : 'descending';
        go({ sel: state.sel, sort: key + ' ' + dir, page: 1 });
      });
    });
  }

  function start(index) {
    if (!index || index.version !== 1) return;
    data = index;
    names = data.facets;
    valueIndex = data.values.map(function (values) {
      var m = Object.create(null);
      values.forEach(function (v, i) { m[v] = i; });
      m[NONE] = -1;
      return m;
    });
    fillOptions();
    sortButtons();
    form.addEventListener('change', function (e) {
      var state = current();
      if (e.target === sortSelect) state.sort = sortSelect.value;
      else {
        var k = names.indexOf(e.target.dataset.facetSelect);
        state.sel[k] = e.target.value === '' ? null : valueIndex[k][e.target.value];
      }
      state.page = 1;
      go(state);
    });
    form.addEventListener('reset', function (e) {
      e.preventDefault();
      go({ sel: names.map(function () { return null; }), sort: DEFAULT_SORT, page: 1 });
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    window.addEventListener('popstate', function () { render(current()); });
    form.hidden = false;
    facetList.hidden = true;
    var state = current(), wanted = query(state, state.page);
    if (location.search && wanted !== location.pathname + location.search)
      history.replaceState(null, '', wanted); // values the list does not have: dropped
    render(state);
  }

  fetch(msg.facetsUrl + 'index.json')
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(start, function () {}); // no data: the page stays as it is without JavaScript
})();
