/* clinfolio default theme — project-list.js (MIT). The project list's filters and sort
 * order (projects/list.html), as a progressive enhancement: without this script the table
 * shows every project. It reveals the form above the table, fills each filter with the
 * values the rows carry (elements with data-facet and data-value; their text, or their
 * data-option, is the label) and the number of projects each would show given the other filters, turns the
 * sortable column headers into buttons (aria-sort on the sorted column), and says how
 * many projects are shown in a live region. No server, no storage, no other file. */
(function () {
  'use strict';
  var root = document.querySelector('[data-project-list]');
  if (!root) return;
  var form = root.querySelector('[data-plist-tools]');
  var tbody = root.querySelector('tbody');
  var status = root.querySelector('[data-plist-status]');
  var empty = root.querySelector('[data-plist-empty]');
  var sortSelect = form.querySelector('[data-sort-select]');
  var selects = Array.prototype.slice.call(form.querySelectorAll('[data-facet-select]'));
  var heads = Array.prototype.slice.call(root.querySelectorAll('th[data-sort-key]'));
  var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
  var rows = Array.prototype.slice.call(tbody.rows).map(function (tr, i) {
    var values = {};
    tr.querySelectorAll('[data-facet]').forEach(function (el) {
      (values[el.dataset.facet] = values[el.dataset.facet] || []).push(el.dataset.value);
    });
    return {
      tr: tr, index: i, values: values, name: tr.cells[0].textContent.trim(),
      cohort: +tr.dataset.cohortOrder || 0, stage: +tr.dataset.stageOrder || 0,
      days: tr.dataset.days === undefined ? null : +tr.dataset.days
    };
  });

  // each filter's options: every value the rows carry, in the order of data-order when
  // the values have one (cohorts newest first, stages in programme order), else by label
  selects.forEach(function (sel) {
    var facet = sel.dataset.facetSelect, seen = {}, options = [];
    sel.options[0].dataset.label = sel.options[0].textContent;
    root.querySelectorAll('tbody [data-facet="' + facet + '"]').forEach(function (el) {
      if (seen[el.dataset.value]) return;
      seen[el.dataset.value] = true;
      options.push({ value: el.dataset.value, label: el.dataset.option || el.textContent.trim(),
        order: el.dataset.order === undefined ? null : +el.dataset.order });
    });
    options.sort(function (a, b) {
      return a.order !== null && b.order !== null ? b.order - a.order : collator.compare(a.label, b.label);
    });
    if (facet === 'stage') options.reverse(); // programme order: the first stage first
    options.forEach(function (o) {
      var opt = document.createElement('option');
      opt.value = o.value;
      opt.dataset.label = o.label;
      opt.textContent = o.label;
      sel.appendChild(opt);
    });
    if (options.length < 2) sel.closest('.plist__field').hidden = true;
  });

  function matches(row, except) {
    return selects.every(function (sel) {
      var facet = sel.dataset.facetSelect;
      return facet === except || sel.value === '' || (row.values[facet] || []).indexOf(sel.value) >= 0;
    });
  }

  function filter() {
    var shown = 0;
    rows.forEach(function (row) {
      row.tr.hidden = !matches(row, null);
      if (!row.tr.hidden) shown++;
    });
    // each option: how many projects it would show, the other filters as they are
    selects.forEach(function (sel) {
      var facet = sel.dataset.facetSelect;
      var others = rows.filter(function (row) { return matches(row, facet); });
      Array.prototype.forEach.call(sel.options, function (opt) {
        var n = opt.value === '' ? others.length : others.filter(function (row) {
          return (row.values[facet] || []).indexOf(opt.value) >= 0;
        }).length;
        opt.textContent = status.dataset.facetCount.replace('{label}', opt.dataset.label).replace('{n}', n);
      });
    });
    status.textContent = status.dataset.text.replace('{n}', shown).replace('{total}', rows.length);
    empty.hidden = shown > 0;
  }

  var KEYS = {
    name: function (a, b) { return collator.compare(a.name, b.name); },
    cohort: function (a, b) { return a.cohort - b.cohort; },
    stage: function (a, b) { return a.stage - b.stage; },
    days: function (a, b) {
      if (a.days === null || b.days === null) return (a.days === null) - (b.days === null);
      return a.days - b.days;
    }
  };

  // key ascending|descending; ties keep the list's own order (cohort, then newest first)
  function sort(key, dir) {
    var sign = dir === 'descending' ? -1 : 1;
    rows.slice().sort(function (a, b) {
      var none = key === 'days' && (a.days === null) !== (b.days === null);
      var c = none ? KEYS.days(a, b) : sign * KEYS[key](a, b); // no days: always last
      return c || a.index - b.index;
    }).forEach(function (row) { tbody.appendChild(row.tr); });
    heads.forEach(function (th) {
      if (th.dataset.sortKey === key) th.setAttribute('aria-sort', dir);
      else th.removeAttribute('aria-sort');
    });
    sortSelect.value = key + ' ' + dir;
  }

  heads.forEach(function (th) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort-button';
    while (th.firstChild) button.appendChild(th.firstChild);
    var icon = document.createElement('span');
    icon.className = 'sort-button__icon';
    icon.setAttribute('aria-hidden', 'true');
    button.appendChild(icon);
    th.appendChild(button);
    button.addEventListener('click', function () {
      var key = th.dataset.sortKey;
      var current = th.getAttribute('aria-sort');
      sort(key, current === 'ascending' ? 'descending' : current === 'descending' ? 'ascending'
        : key === 'name' ? 'ascending' : 'descending');
    });
  });

  form.addEventListener('change', function (e) {
    if (e.target === sortSelect) {
      var parts = sortSelect.value.split(' ');
      sort(parts[0], parts[1]);
    } else filter();
  });
  form.addEventListener('reset', function () {
    setTimeout(function () { sort('cohort', 'descending'); filter(); }, 0);
  });
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  form.hidden = false;
  filter();
})();
